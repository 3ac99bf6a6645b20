import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignKey } from '../../../test/fixtures/cosign.js';
import { parseReference } from '../reference.js';
import { decide } from './enforce.js';
import { DEFAULT_POLICY_TEXT, parsePolicy } from './policy.js';

const accept = { type: 'insecureAcceptAnything' };
const reject = { type: 'reject' };
const text = (v: unknown) => JSON.stringify(v);

test('the default policy accepts anything, by one line that says so', () => {
  assert.ok(DEFAULT_POLICY_TEXT.split('\n').includes('  "default": [{"type":"insecureAcceptAnything"}],'));
  const p = parsePolicy(DEFAULT_POLICY_TEXT);
  assert.deepEqual(p.default, [accept]);
});

test('parsing is strict: unknown fields, empty lists, unknown types, missing default are refused', () => {
  const bad: [unknown, RegExp][] = [
    [{}, /default: must be a non-empty array/],
    [{ default: [] }, /default: must be a non-empty array/],
    [{ default: [accept], extra: 1 }, /policy: unknown field "extra"/],
    [{ default: [{ type: 'reject', keyPath: '/x' }] }, /default\[0\]: unknown field "keyPath"/],
    [{ default: [{ type: 'acceptEverything' }] }, /unknown requirement type "acceptEverything"/],
    [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }] }, /signedBy.*not supported/],
    [{ default: [accept], transports: { docker: { 'example.com/app': [] } } }, /transports\.docker\["example\.com\/app"\]: must be a non-empty array/],
    [{ default: [accept], transports: { docker: { 'https://example.com': [accept] } } }, /scope must start with a registry host/],
    [{ default: [accept], transports: { docker: { 'example.com/App': [accept] } } }, /invalid repository name/],
    [{ default: [{ type: 'sigstoreSigned' }] }, /exactly one of keyPath, keyPaths, keyData and keyDatas/],
    [{ default: [{ type: 'sigstoreSigned', keyPath: 'rel.pub' }] }, /must be an absolute path/],
    [{ default: [{ type: 'sigstoreSigned', keyPath: '/nonexistent/k.pub' }] }, /cannot read key file \/nonexistent\/k\.pub/],
    [{ default: [{ type: 'sigstoreSigned', keyData: Buffer.from('junk').toString('base64') }] }, /keyData is not a PEM public key/],
    [{ default: [{ type: 'sigstoreSigned', fulcio: {} }] }, /"fulcio" is not supported/],
    ['{', /not valid JSON/],
  ];
  for (const [v, re] of bad) assert.throws(() => parsePolicy(typeof v === 'string' ? v : text(v)), re, text(v));
});

test('sigstoreSigned takes keyPath, keyPaths, keyData and keyDatas; signedIdentity defaults to matchRepoDigestOrExact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-policy-'));
  try {
    const [a, b] = [cosignKey(), cosignKey()];
    writeFileSync(join(dir, 'a.pub'), a.publicPem);
    writeFileSync(join(dir, 'b.pub'), b.publicPem);
    const p = parsePolicy(
      text({
        default: [reject],
        transports: {
          docker: {
            'example.com/one': [{ type: 'sigstoreSigned', keyPath: join(dir, 'a.pub') }],
            'example.com/two': [{ type: 'sigstoreSigned', keyPaths: [join(dir, 'a.pub'), join(dir, 'b.pub')], signedIdentity: { type: 'matchRepository' } }],
            'example.com/three': [{ type: 'sigstoreSigned', keyData: Buffer.from(a.publicPem).toString('base64') }],
            'example.com/four': [{ type: 'sigstoreSigned', keyDatas: [Buffer.from(a.publicPem).toString('base64'), Buffer.from(b.publicPem).toString('base64')] }],
          },
          // Other transports podman's file may carry are kept, not applied.
          dir: { '': [accept] },
        },
      }),
    );
    const one = p.docker.get('example.com/one')![0]!;
    assert.equal(one.type, 'sigstoreSigned');
    if (one.type === 'sigstoreSigned') assert.deepEqual(one.signedIdentity, { type: 'matchRepoDigestOrExact' });
    const two = p.docker.get('example.com/two')![0]!;
    if (two.type === 'sigstoreSigned') assert.equal(two.keys.length, 2);
    const four = p.docker.get('example.com/four')![0]!;
    if (four.type === 'sigstoreSigned') assert.deepEqual(four.keySources, ['keyData', 'keyData']);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('the most specific scope decides: tag, repository, namespaces, host, wildcard, transport default, default', () => {
  const scopes = ['reg.example.com/ns/app:v1', 'reg.example.com/ns/app', 'reg.example.com/ns', 'reg.example.com', '*.example.com', '*.com', ''];
  const docker: Record<string, unknown[]> = {};
  for (const s of scopes) docker[s] = [accept];
  const ref = parseReference('reg.example.com/ns/app:v1');
  for (let i = 0; i < scopes.length; i++) {
    const p = parsePolicy(text({ default: [reject], transports: { docker: Object.fromEntries(scopes.slice(i).map((s) => [s, [accept]])) } }));
    assert.equal(decide(p, ref).scope, `transports.docker[${JSON.stringify(scopes[i])}]`);
  }
  assert.equal(decide(parsePolicy(text({ default: [reject] })), ref).scope, 'default');
  // A digest-pinned ref matches a digest scope, not the tag's.
  const d = `sha256:${'a'.repeat(64)}`;
  const pinned = parsePolicy(text({ default: [accept], transports: { docker: { [`reg.example.com/ns/app@${d}`]: [reject], 'reg.example.com/ns/app:v1': [accept] } } }));
  assert.equal(decide(pinned, parseReference(`reg.example.com/ns/app@${d}`)).scope, `transports.docker["reg.example.com/ns/app@${d}"]`);
  // A sibling repository sharing a name prefix is not inside the scope.
  const sib = parsePolicy(text({ default: [accept], transports: { docker: { 'reg.example.com/ns/app': [reject] } } }));
  assert.equal(decide(sib, parseReference('reg.example.com/ns/application:v1')).scope, 'default');
  // docker.io names are matched fully expanded.
  const hub = parsePolicy(text({ default: [reject], transports: { docker: { 'docker.io/library/busybox': [accept] } } }));
  assert.equal(decide(hub, parseReference('busybox')).scope, 'transports.docker["docker.io/library/busybox"]');
  // Addresses get no wildcard parents.
  const ip = parsePolicy(text({ default: [accept], transports: { docker: { '*.1': [reject] } } }));
  assert.equal(decide(ip, parseReference('127.0.0.1:5000/app:v1')).scope, 'default');
});
