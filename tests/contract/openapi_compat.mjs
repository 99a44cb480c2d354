// Does docs/openapi.yaml still keep the promises of the committed copy of its
// schemas (openapi-schemas.snapshot.json)? Run by ctest as openapi_compat.
//
//   node openapi_compat.mjs            check; exit 1 on a problem
//   node openapi_compat.mjs --update   write the snapshot (refused when the check's
//                                      version rule fails)
//
// What is compared: every schema under components/schemas, and the schema of
// every response under components/responses and x-minions-unrouted (which
// error codes each status carries). Routes and statuses per route are not:
// rest_openapi_test holds the routes to what the bridge serves, and the
// response checks in the REST tests hold the statuses.
//
// The rule. A schema is read by one side and written by the other:
// a *response* schema (reached from a response) is written by the server
// and read by clients; a *request* schema (reached from a request body) is
// written by clients and read by the server; one reached from both, or from
// neither, must satisfy both rules. A change is additive when every program
// written against the old document keeps working:
//   - responses may promise more, never less: a new property (required or
//     not), a property becoming required, a narrower type, an added or
//     tighter constraint (minimum, pattern, enum where there was none,
//     additionalProperties: false) are additive; a removed property, a
//     property no longer required, a wider type (integer → integer|null), a
//     looser or removed constraint, additionalProperties allowed where it was
//     not, are not.
//   - requests may accept more, never less: a new optional property, a
//     property no longer required, a wider type, a looser or removed
//     constraint are additive; a removed property (old clients still send it,
//     and unknown fields are refused), a new required property, a narrower
//     type, an added or tighter constraint, a changed default, are not.
//   - enums, both sides: a new value is additive (clients must tolerate
//     values they do not know; ErrorCode says so), a removed value is not (a
//     client waiting for it would wait for ever, a request using it fails).
//   - a removed schema, a $ref pointing elsewhere, and any change inside
//     allOf/anyOf/oneOf/not or of an unknown keyword are not additive (no
//     attempt is made to prove them compatible). Descriptions, titles and
//     examples are free.
// Then, against the snapshot's api_version:
//   - a change that is not additive needs a new major info.version;
//   - any change needs a higher info.version (minor for additive ones);
//   - after either, the snapshot is refreshed (--update), so that the next
//     change is compared against what was last promised, not against an
//     older copy (else a property added in 1.1 could silently go in 1.2).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SNAPSHOT = resolve(here, 'openapi-schemas.snapshot.json');
const DOCUMENT = resolve(here, '../../docs/openapi.yaml');

const FREE = new Set(['description', 'title', 'examples', 'example', '$comment', 'deprecated']);
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const OPAQUE = ['pattern', 'format', 'multipleOf'];
const COMPOSED = ['allOf', 'anyOf', 'oneOf', 'not'];
const HANDLED = new Set([
  ...FREE, ...LOWER_BOUNDS, ...UPPER_BOUNDS, ...OPAQUE, ...COMPOSED,
  '$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'default',
]);

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const typesOf = (s) => (s.type === undefined ? null : new Set([].concat(s.type)));
// integer values are numbers too.
const covers = (types, t) => types.has(t) || (t === 'integer' && types.has('number'));
const valuesOf = (s) => (s.enum !== undefined ? s.enum : s.const !== undefined ? [s.const] : null);

// Compares one schema node; pushes {path, what, additive} into `changes`.
// `side` is 'response', 'request' or 'both'.
export function compareSchema(before, after, side, path, changes) {
  const note = (what, additive) => changes.push({ path, what, additive });
  // "less" (narrower/tighter) is additive for responses; "more" for requests.
  const narrower = (what) => note(what, side === 'response');
  const wider = (what) => note(what, side === 'request');
  if (before === null || after === null || typeof before === 'boolean' || typeof after === 'boolean' ||
      typeof before !== 'object' || typeof after !== 'object') {
    if (!same(before, after)) note(`changed from ${JSON.stringify(before)} to ${JSON.stringify(after)}`, false);
    return;
  }
  if (before.$ref !== undefined || after.$ref !== undefined) {
    if (before.$ref !== after.$ref)
      note(`refers to ${after.$ref ?? 'an inline schema'} instead of ${before.$ref ?? 'an inline schema'}`, false);
  }

  const oldTypes = typesOf(before);
  const newTypes = typesOf(after);
  if (oldTypes === null && newTypes !== null) narrower(`now restricted to type ${[...newTypes]}`);
  else if (oldTypes !== null && newTypes === null) wider(`no longer restricted to type ${[...oldTypes]}`);
  else if (oldTypes !== null) {
    const gained = [...newTypes].filter((t) => !covers(oldTypes, t));
    const lost = [...oldTypes].filter((t) => !covers(newTypes, t));
    if (gained.length) wider(`may now be ${gained.join(', ')}`);
    if (lost.length) narrower(`may no longer be ${lost.join(', ')}`);
  }

  const oldValues = valuesOf(before);
  const newValues = valuesOf(after);
  if (oldValues === null && newValues !== null) narrower(`now limited to ${JSON.stringify(newValues)}`);
  else if (oldValues !== null && newValues === null) wider(`no longer limited to ${JSON.stringify(oldValues)}`);
  else if (oldValues !== null) {
    const removed = oldValues.filter((v) => !newValues.some((w) => same(v, w)));
    const added = newValues.filter((v) => !oldValues.some((w) => same(v, w)));
    if (removed.length) note(`value(s) removed: ${JSON.stringify(removed)}`, false);
    if (added.length) note(`value(s) added: ${JSON.stringify(added)}`, true);
  }

  const oldProps = before.properties ?? {};
  const newProps = after.properties ?? {};
  const oldRequired = new Set(before.required ?? []);
  const newRequired = new Set(after.required ?? []);
  for (const name of Object.keys(oldProps)) {
    if (!(name in newProps)) note(`property '${name}' removed`, false);
    else compareSchema(oldProps[name], newProps[name], side, `${path}.${name}`, changes);
  }
  for (const name of Object.keys(newProps))
    if (!(name in oldProps))
      note(`property '${name}' added${newRequired.has(name) ? ' (required)' : ''}`,
        side === 'response' || (side === 'request' && !newRequired.has(name)));
  for (const name of newRequired)
    if (!oldRequired.has(name) && name in oldProps) narrower(`property '${name}' now required`);
  for (const name of oldRequired)
    if (!newRequired.has(name) && name in newProps) wider(`property '${name}' no longer required`);

  const oldExtra = before.additionalProperties ?? true;
  const newExtra = after.additionalProperties ?? true;
  if (typeof oldExtra === 'object' && typeof newExtra === 'object')
    compareSchema(oldExtra, newExtra, side, `${path}.<additional>`, changes);
  else if (oldExtra !== false && newExtra === false) narrower('additional properties no longer allowed');
  else if (oldExtra === false && newExtra !== false) wider('additional properties now allowed');
  else if (!same(oldExtra, newExtra)) note('additionalProperties changed', false);

  if (before.items !== undefined && after.items !== undefined)
    compareSchema(before.items, after.items, side, `${path}[]`, changes);
  else if (before.items === undefined && after.items !== undefined) narrower('items now restricted');
  else if (before.items !== undefined && after.items === undefined) wider('items no longer restricted');

  const bound = (key, tighter) => {
    const a = before[key];
    const b = after[key];
    if (a === b) return;
    if (a === undefined) narrower(`${key} ${b} added`);
    else if (b === undefined) wider(`${key} ${a} removed`);
    else if (tighter(a, b)) narrower(`${key} ${a} → ${b}`);
    else wider(`${key} ${a} → ${b}`);
  };
  for (const key of LOWER_BOUNDS) bound(key, (a, b) => b > a);
  for (const key of UPPER_BOUNDS) bound(key, (a, b) => b < a);
  for (const key of OPAQUE) {
    if (same(before[key], after[key])) continue;
    if (before[key] === undefined) narrower(`${key} ${JSON.stringify(after[key])} added`);
    else if (after[key] === undefined) wider(`${key} ${JSON.stringify(before[key])} removed`);
    else note(`${key} ${JSON.stringify(before[key])} → ${JSON.stringify(after[key])}`, false);
  }
  if (!same(before.default, after.default))
    note(`default ${JSON.stringify(before.default)} → ${JSON.stringify(after.default)}`, side === 'response');
  for (const key of COMPOSED)
    if (!same(before[key], after[key])) note(`${key} changed`, false);
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)]))
    if (!HANDLED.has(key) && !same(before[key], after[key])) note(`keyword ${key} changed`, false);
}

function refsIn(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, found));
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value);
      else refsIn(value, found);
    }
  return found;
}

// Which side reads each component schema: {Name: 'response'|'request'|'both'}.
export function sidesOf(document) {
  const schemas = document.components?.schemas ?? {};
  const reached = { request: new Set(), response: new Set() };
  const visit = (node, side) => {
    for (const ref of refsIn(node)) {
      const responses = '#/components/responses/';
      if (ref.startsWith(responses)) visit(document.components.responses[ref.slice(responses.length)], side);
      const prefix = '#/components/schemas/';
      if (!ref.startsWith(prefix)) continue;
      const name = ref.slice(prefix.length);
      if (reached[side].has(name) || !(name in schemas)) continue;
      reached[side].add(name);
      visit(schemas[name], side);
    }
  };
  for (const item of Object.values(document.paths ?? {}))
    for (const operation of Object.values(item)) {
      if (!operation || typeof operation !== 'object') continue;
      if (operation.requestBody) visit(operation.requestBody, 'request');
      if (operation.responses) visit(operation.responses, 'response');
    }
  visit(document['x-minions-unrouted'] ?? {}, 'response');
  const sides = {};
  for (const name of Object.keys(schemas)) {
    const inRequest = reached.request.has(name);
    const inResponse = reached.response.has(name);
    sides[name] = inRequest && !inResponse ? 'request' : inResponse && !inRequest ? 'response' : 'both';
  }
  return sides;
}

// What the snapshot keeps of a document.
export function snapshotOf(document) {
  const responses = {};
  for (const [name, response] of Object.entries(document.components?.responses ?? {}))
    responses[name] = response?.content?.['application/json']?.schema ?? null;
  for (const [name, response] of Object.entries(document['x-minions-unrouted'] ?? {}))
    if (!response?.$ref) responses[`x-minions-unrouted/${name}`] = response?.content?.['application/json']?.schema ?? null;
  return { api_version: document.info?.version, schemas: document.components?.schemas ?? {}, responses };
}

export function changesBetween(snapshot, document) {
  const current = snapshotOf(document);
  const sides = sidesOf(document);
  const changes = [];
  for (const [group, sideOf] of [['schemas', (n) => sides[n] ?? 'both'], ['responses', () => 'response']]) {
    const before = snapshot[group] ?? {};
    const after = current[group] ?? {};
    for (const name of Object.keys(before)) {
      if (!(name in after)) changes.push({ path: `${group}/${name}`, what: 'removed', additive: false });
      else compareSchema(before[name], after[name], sideOf(name), `${group}/${name}`, changes);
    }
    for (const name of Object.keys(after))
      if (!(name in before)) changes.push({ path: `${group}/${name}`, what: 'added', additive: true });
  }
  return changes;
}

function semver(text) {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(String(text ?? ''));
  return m ? m.slice(1).map(Number) : null;
}

function later(a, b) {
  for (let i = 0; i < 3; ++i) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

// {problems: [...], changes: [...]}: problems empty when the version rule holds
// (the snapshot may still need refreshing: changes non-empty).
export function judge(snapshot, document) {
  const problems = [];
  const changes = changesBetween(snapshot, document);
  const was = semver(snapshot.api_version);
  const now = semver(document.info?.version);
  if (!now) problems.push(`info.version ${JSON.stringify(document.info?.version)} is not MAJOR.MINOR.PATCH`);
  if (!was) problems.push(`the snapshot's api_version ${JSON.stringify(snapshot.api_version)} is not MAJOR.MINOR.PATCH`);
  if (problems.length) return { problems, changes };
  if (later(was, now)) problems.push(`info.version ${now.join('.')} is older than the snapshot's ${was.join('.')}`);
  const breaking = changes.filter((c) => !c.additive);
  if (breaking.length && now[0] === was[0])
    problems.push(`changes that are not additive need a new major info.version (now ${now.join('.')}, ` +
      `promised ${was.join('.')}): ${breaking.map((c) => `${c.path}: ${c.what}`).join('; ')}`);
  else if (changes.length && !later(now, was))
    problems.push(`the schemas changed but info.version did not move from ${was.join('.')} ` +
      '(bump the minor number for additive changes)');
  return { problems, changes };
}

async function main() {
  const YAML = await import('yaml').catch((e) => {
    console.error(`openapi_compat: cannot load yaml from ${here}/node_modules (${e.message}); run scripts/deps.sh`);
    process.exit(3);
  });
  const document = YAML.parse(readFileSync(DOCUMENT, 'utf8'));
  const update = process.argv.includes('--update');
  let snapshot;
  try {
    snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8'));
  } catch (e) {
    if (!update) {
      console.error(`openapi_compat: cannot read ${SNAPSHOT}: ${e.message}`);
      process.exit(1);
    }
    snapshot = snapshotOf(document);
  }
  const { problems, changes } = judge(snapshot, document);
  for (const c of changes) console.log(`${c.additive ? 'additive' : 'NOT additive'}: ${c.path}: ${c.what}`);
  if (problems.length) {
    for (const p of problems) console.error(`openapi_compat: ${p}`);
    process.exit(1);
  }
  if (update) {
    writeFileSync(SNAPSHOT, `${JSON.stringify(snapshotOf(document), null, 2)}\n`);
    console.log(`openapi_compat: wrote ${SNAPSHOT} for API ${document.info.version}`);
    return;
  }
  if (changes.length) {
    console.error(`openapi_compat: the version rule holds for ${document.info.version}; now refresh the snapshot: ` +
      'node tests/contract/openapi_compat.mjs --update');
    process.exit(1);
  }
  console.log(`openapi_compat: docs/openapi.yaml keeps every promise of API ${snapshot.api_version}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
