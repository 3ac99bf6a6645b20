import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignKey } from '../../test/fixtures/cosign.js';
import { formatPolicy, parsePolicy } from '../image/trust/policy.js';
import { requirementFor, withScope } from './trust-commands.js';

test('trust set: the requirement per --type, keys checked before anything is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-trustset-'));
  try {
    const k = join(dir, 'cosign.pub');
    writeFileSync(k, cosignKey().publicPem);
    writeFileSync(join(dir, 'junk.pub'), 'not a key');
    assert.deepEqual(requirementFor('accept', []), { type: 'insecureAcceptAnything' });
    assert.deepEqual(requirementFor('reject', []), { type: 'reject' });
    assert.deepEqual(requirementFor('sigstoreSigned', [k]), { type: 'sigstoreSigned', keyPath: k, signedIdentity: { type: 'matchRepository' } });
    assert.deepEqual(requirementFor('sigstoreSigned', [k, k]).keyPaths, [k, k]);
    assert.throws(() => requirementFor('sigstoreSigned', []), /needs at least one --pubkey/);
    assert.throws(() => requirementFor('sigstoreSigned', [join(dir, 'junk.pub')]), /junk\.pub is not a PEM public key/);
    assert.throws(() => requirementFor('sigstoreSigned', [join(dir, 'none.pub')]), /none\.pub/);
    assert.throws(() => requirementFor('reject', [k]), /--pubkey goes with --type sigstoreSigned only/);
    assert.throws(() => requirementFor('signedBy', []), /one of accept, reject, sigstoreSigned/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('trust set: a scope is replaced or added, "default" sets the default, other transports stay; the text parses back', () => {
  const raw = { default: [{ type: 'reject' }], transports: { docker: { 'a.io/x': [{ type: 'reject' }] }, dir: { '': [{ type: 'insecureAcceptAnything' }] } } };
  const one = withScope(raw, 'a.io/x', { type: 'insecureAcceptAnything' });
  const two = withScope(one, 'b.io', { type: 'reject' });
  const three = withScope(two, 'default', { type: 'insecureAcceptAnything' });
  assert.deepEqual(three, {
    default: [{ type: 'insecureAcceptAnything' }],
    transports: { docker: { 'a.io/x': [{ type: 'insecureAcceptAnything' }], 'b.io': [{ type: 'reject' }] }, dir: { '': [{ type: 'insecureAcceptAnything' }] } },
  });
  assert.deepEqual(parsePolicy(formatPolicy(three)).raw, three);
  assert.throws(() => withScope(raw, 'busybox', { type: 'reject' }), /PREFIX "busybox" must start with a registry host/);
  assert.throws(() => withScope(raw, 'library/busybox', { type: 'reject' }), /must start with a registry host/);
  assert.throws(() => withScope(raw, 'a.io/Upper', { type: 'reject' }), /invalid repository name/);
});
