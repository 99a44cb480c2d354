// The compatibility rule of openapi_compat.mjs, case by case, on the real
// document changed one way at a time (ctest: openapi_compat_rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

import { changesBetween, judge, sidesOf, snapshotOf } from './openapi_compat.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const original = YAML.parse(readFileSync(resolve(here, '../../docs/openapi.yaml'), 'utf8'));
const fresh = () => structuredClone(original);
const promised = snapshotOf(original);

// The changes a mutation of the document makes, as "additive"/"breaking".
function verdicts(mutate) {
  const document = fresh();
  mutate(document);
  return changesBetween(promised, document).map((c) => `${c.additive ? 'additive' : 'breaking'}: ${c.path}: ${c.what}`);
}
const schemas = (d) => d.components.schemas;

test('the document as it is keeps every promise', () => {
  assert.deepEqual(verdicts(() => {}), []);
});

test('each schema is judged by the side that reads it', () => {
  const sides = sidesOf(original);
  assert.equal(sides.Vm, 'response');
  assert.equal(sides.Error, 'response');
  assert.equal(sides.CreateRequest, 'request');
  assert.equal(sides.VmName, 'both');  // in Vm and in CreateRequest
});

test('a response property removed, renamed or no longer required is not additive', () => {
  assert.match(verdicts((d) => delete schemas(d).Vm.properties.mac).join('\n'), /breaking: schemas\/Vm: property 'mac' removed/);
  const renamed = verdicts((d) => {
    const vm = schemas(d).Vm;
    vm.properties.vsock = vm.properties.vsock_cid;
    delete vm.properties.vsock_cid;
    vm.required = vm.required.map((n) => (n === 'vsock_cid' ? 'vsock' : n));
  });
  assert.ok(renamed.some((v) => v.startsWith("breaking: schemas/Vm: property 'vsock_cid' removed")), renamed.join('\n'));
  const optional = verdicts((d) => { schemas(d).Vm.required = schemas(d).Vm.required.filter((n) => n !== 'ip'); });
  assert.deepEqual(optional, ["breaking: schemas/Vm: property 'ip' no longer required"]);
});

test('a new response property, even a required one, is additive', () => {
  assert.deepEqual(verdicts((d) => {
    schemas(d).Vm.properties.disk_mb = { type: 'integer' };
    schemas(d).Vm.required.push('disk_mb');
  }), ["additive: schemas/Vm: property 'disk_mb' added (required)"]);
});

test('a response type may narrow, never widen', () => {
  assert.deepEqual(verdicts((d) => { schemas(d).Vm.properties.pid.type = 'integer'; }),
    ['additive: schemas/Vm.pid: may no longer be null']);
  assert.deepEqual(verdicts((d) => { schemas(d).Vm.properties.cpus.type = ['integer', 'null']; }),
    ['breaking: schemas/Vm.cpus: may now be null']);
  assert.deepEqual(verdicts((d) => { schemas(d).Vm.properties.cpus.type = 'string'; }),
    ['breaking: schemas/Vm.cpus: may now be string', 'additive: schemas/Vm.cpus: may no longer be integer']);
});

test('an enum value removed is not additive, one added is', () => {
  assert.deepEqual(verdicts((d) => { schemas(d).ErrorCode.enum = schemas(d).ErrorCode.enum.filter((c) => c !== 'busy'); }),
    ['breaking: schemas/ErrorCode: value(s) removed: ["busy"]']);
  assert.deepEqual(verdicts((d) => { schemas(d).ErrorCode.enum.push('quota_exceeded'); }),
    ['additive: schemas/ErrorCode: value(s) added: ["quota_exceeded"]']);
});

test('a request may accept more, never less', () => {
  assert.deepEqual(verdicts((d) => { schemas(d).StopRequest.properties.signal = { type: 'string' }; }),
    ["additive: schemas/StopRequest: property 'signal' added"]);
  assert.deepEqual(verdicts((d) => {
    schemas(d).StopRequest.properties.signal = { type: 'string' };
    schemas(d).StopRequest.required = ['signal'];
  }), ["breaking: schemas/StopRequest: property 'signal' added (required)"]);
  assert.deepEqual(verdicts((d) => { delete schemas(d).CopyRequest.properties.ssh_key; }),
    ["breaking: schemas/CopyRequest: property 'ssh_key' removed"]);
  assert.deepEqual(verdicts((d) => { schemas(d).CreateRequest.properties.cpus.maximum = 64; }),
    ['breaking: schemas/CreateRequest.cpus: maximum 4294967295 → 64']);
  assert.deepEqual(verdicts((d) => { schemas(d).ExecRequest.required = []; }),
    ["additive: schemas/ExecRequest: property 'command' no longer required"]);
});

test('a pattern shared by both sides cannot change at all', () => {
  assert.deepEqual(verdicts((d) => { schemas(d).VmName.pattern = '^[a-z0-9-]{1,11}$'; }),
    ['breaking: schemas/VmName: pattern "^[A-Za-z0-9][A-Za-z0-9-]{0,10}$" → "^[a-z0-9-]{1,11}$"']);
});

test('extra fields allowed in a response is not additive; descriptions are free', () => {
  assert.deepEqual(verdicts((d) => { delete schemas(d).Error.additionalProperties; }),
    ['breaking: schemas/Error: additional properties now allowed']);
  assert.deepEqual(verdicts((d) => { schemas(d).Vm.description = 'A VM.'; }), []);
});

test('moving an error code to another status is not additive', () => {
  const moved = verdicts((d) => { d.components.responses.Busy.content['application/json'].schema.allOf[1].properties.code.const = 'invalid_state'; });
  assert.ok(moved.every((v) => v.startsWith('breaking: responses/Busy')), moved.join('\n'));
  assert.ok(moved.length > 0);
});

test('the version rule: a new major for what is not additive, a higher version for any change', () => {
  const breaking = fresh();
  delete schemas(breaking).Vm.properties.mac;
  assert.equal(judge(promised, breaking).problems.length, 1);
  breaking.info.version = '1.1.0';
  assert.match(judge(promised, breaking).problems[0], /need a new major info.version/);
  breaking.info.version = '2.0.0';
  assert.deepEqual(judge(promised, breaking).problems, []);

  const additive = fresh();
  schemas(additive).Vm.properties.disk_mb = { type: 'integer' };
  assert.match(judge(promised, additive).problems[0], /did not move/);
  additive.info.version = '1.1.0';
  assert.deepEqual(judge(promised, additive).problems, []);

  const older = fresh();
  older.info.version = '0.9.0';
  assert.match(judge(promised, older).problems[0], /older than the snapshot/);
});
