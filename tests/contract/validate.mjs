// The contract checker the C++ tests talk to (tests/contract/contract.cpp):
// it reads docs/openapi.yaml once, then answers one JSON line on stdout for
// each JSON line on stdin, until stdin closes.
//
//   {"kind":"response","method":"GET","path":"/api/vms/web?x=1","status":200,
//    "content_type":"application/json","body_text":"{...}"}
//       the status must be one the document lists for that operation (an
//       unknown path: 401 or 404, an unlisted method: 401 or 405, as
//       x-minions-unrouted says), and the body must be what that response
//       documents: JSON of its schema when it has content, nothing when not.
//   {"kind":"schema","name":"Vm","body_text":"{...}"}
//       the body must be valid JSON of components/schemas/<name>.
//   {"kind":"info"}
//       the document's info.version and its routes ("GET /api/vms/{name}").
//
// Every answer is {"ok":true} or {"ok":false,"errors":["..."]} (plus the
// fields asked for). Schemas are JSON Schema 2020-12, the dialect of
// OpenAPI 3.1, checked by Ajv in strict mode: a keyword Ajv does not know is
// a mistake in the document, not something to ignore.
//
// Usage: node validate.mjs [path/to/openapi.yaml]   (default: ../../docs/openapi.yaml)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const documentPath = resolve(process.argv[2] ?? resolve(here, '../../docs/openapi.yaml'));

async function loadLibraries() {
  try {
    const { default: Ajv2020 } = await import('ajv/dist/2020.js');
    const { default: addFormats } = await import('ajv-formats');
    const YAML = await import('yaml');
    return { Ajv2020, addFormats, YAML };
  } catch (e) {
    process.stderr.write(
      `validate.mjs: cannot load ajv, ajv-formats and yaml from ${here}/node_modules ` +
        `(${e.message}); run scripts/deps.sh\n`);
    process.exit(3);
  }
}

const { Ajv2020, addFormats, YAML } = await loadLibraries();

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMAS_ID = 'minions:openapi-schemas';

// '#/components/schemas/X' → 'minions:openapi-schemas#/$defs/X', everywhere in
// a (copied) schema, so that component schemas resolve inside Ajv.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/'))
      out[key] = `${SCHEMAS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`;
    else out[key] = rewriteRefs(value);
  }
  return out;
}

function pointer(document, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let node = document;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(part in node)) throw new Error(`unresolved reference ${ref}`);
    node = node[part];
  }
  return node;
}

// An OpenAPI object that may be a {$ref} to another (responses, parameters).
function deref(document, node) {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (++seen > 20) throw new Error(`reference loop at ${node.$ref}`);
    node = pointer(document, node.$ref);
  }
  return node;
}

function segments(path) {
  return path.split('/').filter((part) => part.length > 0);
}

class Contract {
  constructor(text) {
    this.document = YAML.parse(text);
    const schemas = this.document?.components?.schemas ?? {};
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewriteRefs(schemas) });
    this.compiled = new Map();
    this.templates = Object.keys(this.document.paths ?? {}).map((template) => ({
      template,
      parts: segments(template),
    }));
    this.compileAll();
  }

  // Every schema compiled up front, so that a mistake anywhere in the
  // document is reported on the first check, whichever route it is about.
  compileAll() {
    for (const name of Object.keys(this.document.components?.schemas ?? {}))
      this.validator(`schema ${name}`, { $ref: `#/components/schemas/${name}` });
    const check = (key, responses) => {
      for (const [status, response] of Object.entries(responses ?? {})) {
        const schema = deref(this.document, response)?.content?.['application/json']?.schema;
        if (schema) this.validator(`${key} ${status}`, schema);
      }
    };
    for (const [template, item] of Object.entries(this.document.paths ?? {}))
      for (const method of METHODS)
        if (item[method]) check(`${method.toUpperCase()} ${template}`, item[method].responses);
    const unrouted = this.document['x-minions-unrouted'] ?? {};
    check('unknown-path', { 404: unrouted['unknown-path'] });
    check('unlisted-method', { 405: unrouted['unlisted-method'] });
  }

  validator(key, schema) {
    if (!this.compiled.has(key)) this.compiled.set(key, this.ajv.compile(rewriteRefs(schema)));
    return this.compiled.get(key);
  }

  routes() {
    const routes = [];
    for (const [template, item] of Object.entries(this.document.paths ?? {}))
      for (const method of METHODS) if (item[method]) routes.push(`${method.toUpperCase()} ${template}`);
    return routes;
  }

  // The path template a concrete path is served under, or null. A literal
  // segment wins over a {parameter} where both would match.
  template(path) {
    const have = segments(path);
    let best = null;
    let bestLiterals = -1;
    for (const { template, parts } of this.templates) {
      if (parts.length !== have.length) continue;
      let literals = 0;
      let ok = true;
      for (let i = 0; i < parts.length && ok; ++i) {
        if (/^\{[^}]+\}$/.test(parts[i])) continue;
        if (parts[i] === have[i]) ++literals;
        else ok = false;
      }
      if (ok && literals > bestLiterals) {
        best = template;
        bestLiterals = literals;
      }
    }
    return best;
  }

  // { where: "GET /api/vms/{name}", responses: {"200": {...}, ...} }
  responsesFor(method, path) {
    const template = this.template(path);
    const unrouted = this.document['x-minions-unrouted'] ?? {};
    const unauthenticated = this.document.components?.responses?.Unauthenticated;
    if (template === null)
      return {
        where: `${method} ${path} (no such path in the document)`,
        key: 'unknown-path',
        responses: { 401: unauthenticated, 404: unrouted['unknown-path'] },
      };
    const operation = this.document.paths[template][method.toLowerCase()];
    if (!operation)
      return {
        where: `${method} ${template} (a method this path does not list)`,
        key: 'unlisted-method',
        responses: { 401: unauthenticated, 405: unrouted['unlisted-method'] },
      };
    return { where: `${method} ${template}`, key: `${method} ${template}`, responses: operation.responses ?? {} };
  }

  checkResponse({ method, path, status, content_type: contentType, body_text: bodyText }) {
    const errors = [];
    const bare = String(path).split('?')[0];
    const { where, key, responses } = this.responsesFor(String(method).toUpperCase(), bare);
    const code = String(status);
    const listed = [code, `${code[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
    if (listed === undefined) {
      const documented = Object.keys(responses).filter((k) => responses[k] !== undefined);
      return [`${where}: status ${code} is not documented (documented: ${documented.join(', ')})`];
    }
    const response = deref(this.document, responses[listed]);
    const content = response?.content;
    const text = bodyText ?? '';
    if (!content || Object.keys(content).length === 0) {
      if (text.length > 0) errors.push(`${where} ${code}: documented without a body, got ${JSON.stringify(text)}`);
      return errors;
    }
    const mediaType = String(contentType ?? '').split(';')[0].trim().toLowerCase();
    const media = content[mediaType];
    if (!media) {
      errors.push(`${where} ${code}: Content-Type ${JSON.stringify(contentType ?? '')} is not one documented ` +
        `(${Object.keys(content).join(', ')})`);
      if (!content['application/json']) return errors;
    }
    const schema = (media ?? content['application/json']).schema;
    if (!schema) return errors;
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      errors.push(`${where} ${code}: the body is not JSON (${e.message}): ${JSON.stringify(text)}`);
      return errors;
    }
    return errors.concat(this.run(this.validator(`${key} ${listed}`, schema), body, `${where} ${code}`));
  }

  checkSchema({ name, body_text: bodyText }) {
    const schemas = this.document.components?.schemas ?? {};
    if (!(name in schemas)) return [`no schema components/schemas/${name} in the document`];
    let body;
    try {
      body = JSON.parse(bodyText ?? '');
    } catch (e) {
      return [`${name}: not JSON (${e.message}): ${JSON.stringify(bodyText ?? '')}`];
    }
    const validate = this.validator(`schema ${name}`, { $ref: `#/components/schemas/${name}` });
    return this.run(validate, body, name);
  }

  run(validate, body, where) {
    if (validate(body)) return [];
    return validate.errors.map((e) => {
      const params = Object.keys(e.params ?? {}).length ? ` ${JSON.stringify(e.params)}` : '';
      return `${where}: ${e.instancePath || '(the body)'} ${e.message}${params} [schema ${e.schemaPath}]`;
    });
  }
}

let contract;
try {
  contract = new Contract(readFileSync(documentPath, 'utf8'));
} catch (e) {
  // Answered to every request, so each check that needed the document fails.
  contract = { broken: `validate.mjs: cannot use ${documentPath}: ${e.message}` };
}

function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    return { ok: false, errors: [`validate.mjs: a request that is not JSON: ${e.message}`] };
  }
  if (contract.broken) return { ok: false, errors: [contract.broken] };
  try {
    let errors;
    switch (request.kind) {
      case 'response':
        errors = contract.checkResponse(request);
        break;
      case 'schema':
        errors = contract.checkSchema(request);
        break;
      case 'info':
        return { ok: true, version: contract.document.info?.version ?? null, routes: contract.routes() };
      default:
        errors = [`validate.mjs: unknown kind ${JSON.stringify(request.kind)}`];
    }
    return errors.length ? { ok: false, errors } : { ok: true };
  } catch (e) {
    return { ok: false, errors: [`validate.mjs: ${e.message}`] };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim().length === 0) continue;
  process.stdout.write(`${JSON.stringify(answer(line))}\n`);
}
