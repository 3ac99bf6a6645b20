import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference } from '../reference.js';
import { identityMismatch, parseIdentity } from './identity.js';

const D = `sha256:${'3'.repeat(64)}`;
const tagged = parseReference('reg.example.com/ns/app:v1');
const pinned = parseReference(`reg.example.com/ns/app@${D}`);
const ok = (id: unknown, ref: typeof tagged, claimed: string) => identityMismatch(parseIdentity(id, 'signedIdentity'), ref, claimed) === undefined;

test('matchRepoDigestOrExact (the default): exact name and tag for tag pulls, the repository for digest pulls', () => {
  assert.ok(ok(undefined, tagged, 'reg.example.com/ns/app:v1'));
  assert.ok(!ok(undefined, tagged, 'reg.example.com/ns/app:v2'));
  assert.ok(!ok(undefined, tagged, 'reg.example.com/ns/app'));
  assert.ok(ok(undefined, pinned, 'reg.example.com/ns/app'));
  assert.ok(ok(undefined, pinned, 'reg.example.com/ns/app:any'));
  assert.ok(!ok(undefined, pinned, 'reg.example.com/ns/other'));
});

test('matchExact, matchRepository, exactReference, exactRepository, remapIdentity', () => {
  assert.ok(ok({ type: 'matchExact' }, tagged, 'reg.example.com/ns/app:v1'));
  assert.ok(!ok({ type: 'matchExact' }, pinned, 'reg.example.com/ns/app:v1'));
  assert.ok(ok({ type: 'matchRepository' }, tagged, 'reg.example.com/ns/app'));
  assert.ok(!ok({ type: 'matchRepository' }, tagged, 'reg.example.com/ns/app2'));
  assert.ok(ok({ type: 'exactReference', dockerReference: 'upstream.io/app:1' }, tagged, 'upstream.io/app:1'));
  assert.ok(!ok({ type: 'exactReference', dockerReference: 'upstream.io/app:1' }, tagged, 'upstream.io/app:2'));
  assert.ok(ok({ type: 'exactRepository', dockerRepository: 'upstream.io/app' }, tagged, 'upstream.io/app'));
  assert.ok(ok({ type: 'remapIdentity', prefix: 'reg.example.com/ns', signedPrefix: 'upstream.io/team' }, tagged, 'upstream.io/team/app:v1'));
  assert.ok(!ok({ type: 'remapIdentity', prefix: 'reg.example.com/n', signedPrefix: 'upstream.io/team' }, tagged, 'upstream.io/teams/app:v1'), 'prefixes match whole components');
  // Docker Hub names as go-containerregistry writes them (index.docker.io) are the same repository.
  assert.ok(ok({ type: 'matchRepository' }, parseReference('busybox'), 'index.docker.io/library/busybox'));
});

test('bad signedIdentity values are refused', () => {
  assert.throws(() => parseIdentity({ type: 'matchAnything' }, 'x'), /unknown signedIdentity type/);
  assert.throws(() => parseIdentity({ type: 'matchExact', extra: 1 }, 'x'), /unknown field "extra"/);
  assert.throws(() => parseIdentity({ type: 'exactReference', dockerReference: 'upstream.io/app' }, 'x'), /must carry a tag or digest/);
  assert.throws(() => parseIdentity({ type: 'exactRepository', dockerRepository: 'upstream.io/app:1' }, 'x'), /without tag or digest/);
  assert.match(identityMismatch({ type: 'matchRepository' }, tagged, 'Not A Ref')!, /not a docker reference/);
});
