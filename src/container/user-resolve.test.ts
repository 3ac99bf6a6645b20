import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUser, strictGroupsPolicy } from './user-resolve.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\napp:x:1000:1001::/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\nwheel:x:10:root,app\nappgrp:x:1001:\nextra:x:3000:app\nnogroup:x:65534:\n';
const base = { supplementalGroups: [], imageUser: '' };

test('default is root with the groups /etc/group gives root', () => {
  assert.deepEqual(resolveUser(base, PASSWD, GROUP), { uid: 0, gid: 0, additionalGids: [0, 10], username: 'root' });
});

test('image User by name, uid, uid:gid, name:group', () => {
  assert.deepEqual(resolveUser({ ...base, imageUser: 'app' }, PASSWD, GROUP), { uid: 1000, gid: 1001, additionalGids: [1001, 10, 3000], username: 'app' });
  assert.deepEqual(resolveUser({ ...base, imageUser: '1000' }, PASSWD, GROUP).gid, 1001);
  assert.deepEqual(resolveUser({ ...base, imageUser: '1234:55' }, PASSWD, GROUP), { uid: 1234, gid: 55, additionalGids: [55] });
  assert.equal(resolveUser({ ...base, imageUser: 'app:extra' }, PASSWD, GROUP).gid, 3000);
  assert.throws(() => resolveUser({ ...base, imageUser: 'ghost' }, PASSWD, GROUP), /not found/);
  assert.throws(() => resolveUser({ ...base, imageUser: 'app:ghost' }, PASSWD, GROUP), /not found/);
});

test('run_as_* override the image; supplemental groups are added', () => {
  const r = resolveUser({ runAsUser: 65534, runAsGroup: 7, supplementalGroups: [5000, 7], imageUser: 'app' }, PASSWD, GROUP);
  assert.deepEqual(r, { uid: 65534, gid: 7, additionalGids: [7, 5000], username: 'nobody' });
  const n = resolveUser({ runAsUsername: 'app', supplementalGroups: [1], imageUser: 'root' }, PASSWD, GROUP);
  assert.deepEqual(n, { uid: 1000, gid: 1001, additionalGids: [1001, 10, 3000, 1], username: 'app' });
});

test('images without /etc/passwd work with numeric users', () => {
  assert.deepEqual(resolveUser({ ...base, imageUser: '42' }, '', ''), { uid: 42, gid: 0, additionalGids: [0] });
  assert.deepEqual(resolveUser(base, '', ''), { uid: 0, gid: 0, additionalGids: [0] });
});

test('Strict supplemental groups policy: the primary and requested groups only, none from /etc/group', () => {
  const req = { ...base, imageUser: 'app', supplementalGroups: [5000] };
  assert.deepEqual(resolveUser(req, PASSWD, GROUP).additionalGids, [1001, 10, 3000, 5000]);
  assert.deepEqual(resolveUser({ ...req, strictGroups: true }, PASSWD, GROUP).additionalGids, [1001, 5000]);
  assert.equal(strictGroupsPolicy('Strict'), true);
  assert.equal(strictGroupsPolicy('Merge'), false);
  assert.equal(strictGroupsPolicy(undefined), false);
  assert.throws(() => strictGroupsPolicy(7), /not Merge or Strict/);
});
