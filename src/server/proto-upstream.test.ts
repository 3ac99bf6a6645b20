// Our CRI proto declares exactly what upstream's does (cri-api tag kubernetes-1.36.3, committed
// under proto/upstream/): any difference in a message, field, number, type, label, enum value,
// service, rpc, option or declaration order fails here. Comments and layout are ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffFacts, protoFacts } from './proto-compare.js';
import { packageRoot, protoFile } from '../util/package-info.js';

const upstreamFile = join(packageRoot, 'proto', 'upstream', 'cri-api-kubernetes-1.36.3', 'api.proto');

test('proto/runtime/v1/api.proto matches cri-api kubernetes-1.36.3 declaration by declaration', () => {
  const theirs = protoFacts(upstreamFile);
  const ours = protoFacts(protoFile);
  assert.deepEqual(diffFacts(theirs, ours), []);
  // The comparison saw the whole file (the figures of kubernetes-1.36.3).
  const count = (re: RegExp) => [...theirs.keys()].filter((k) => re.test(k)).length;
  assert.equal(count(/^service \S+ rpc (?!order$)\S+$/), 41);
  assert.equal(count(/^message \S+$/), 170);
  assert.equal(count(/^message \S+ field (?!order$)\S+$/), 463);
  assert.equal(count(/^enum \S+$/), 11);
  assert.equal(count(/^enum \S+ value (?!order$)\S+$/), 95);
  assert.equal(theirs.get('message runtime.v1.KeyValue field value'), '2 singular bytes oneof= options {}');
});

/** Our file with one edit, compared to itself unedited. */
function diffAfter(edit: (text: string) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-proto-'));
  try {
    const text = readFileSync(protoFile, 'utf8');
    const changed = edit(text);
    assert.notEqual(changed, text, 'the edit must change the file');
    writeFileSync(join(dir, 'a.proto'), changed);
    return diffFacts(protoFacts(protoFile), protoFacts(join(dir, 'a.proto')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the comparison reports every kind of difference, and not comments or layout', () => {
  const cases: [string, (t: string) => string, RegExp][] = [
    ['field number', (t) => t.replace('bytes value = 2;', 'bytes value = 3;'), /KeyValue field value/],
    ['field type', (t) => t.replace('bytes value = 2;', 'string value = 2;'), /KeyValue field value: 2 singular string/],
    ['field name', (t) => t.replace('bytes value = 2;', 'bytes val = 2;'), /KeyValue field val/],
    ['extra field', (t) => t.replace('bytes value = 2;', 'bytes value = 2;\n    string audit_request_id = 3;'), /\+ message runtime.v1.KeyValue field audit_request_id/],
    ['label', (t) => t.replace('repeated KeyValue envs', 'KeyValue envs'), /field envs/],
    ['map key', (t) => t.replace('map<string, string> labels = 3;', 'map<int32, string> labels = 3;'), /map<int32>/],
    ['streaming', (t) => t.replace('returns (stream StreamPodSandboxesResponse)', 'returns (StreamPodSandboxesResponse)'), /rpc StreamPodSandboxes/],
    ['rpc order', (t) => t.replace(/(\n\s*rpc Version\([^\n]*)(\n[^\n]*\n\s*rpc RunPodSandbox\([^\n]*)/, '$2$1'), /rpc order/],
    ['enum number', (t) => t.replace('SIGKILL = 13;', 'SIGKILL = 99;'), /value SIGKILL/],
    ['option', (t) => t.replace(/\s*\[debug_redact ?= ?true\]/, ''), /options/],
    ['file option', (t) => t.replace(/option go_package = "[^"]*";/, 'option go_package = "x";'), /package runtime.v1/],
    ['oneof', (t) => t.replace('    string key = 1;\n    bytes value = 2;', '    oneof kv {\n    string key = 1;\n    }\n    bytes value = 2;'), /KeyValue field key: 1 singular string oneof=kv/],
    ['proto3 optional', (t) => t.replace('    string key = 1;\n    bytes value = 2;', '    optional string key = 1;\n    bytes value = 2;'), /KeyValue field key: 1 optional/],
    ['reserved', (t) => t.replace('message KeyValue {', 'message KeyValue {\n    reserved 9;'), /KeyValue: options/],
  ];
  for (const [what, edit, expect] of cases) {
    const d = diffAfter(edit);
    assert.ok(d.some((l) => expect.test(l)), `${what}: ${JSON.stringify(d)}`);
  }
  assert.deepEqual(diffAfter((t) => t.replace(/\n\/\/[^\n]*/g, '\n').replace(/ = /g, '  =  ').replace('message KeyValue {', '/* x */ message KeyValue{')), []);
});
