import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idmapFinding, runtimeIdmapFinding, usernsFinding } from './userns.js';

test('user namespaces: available, switched off, absent', () => {
  assert.equal(usernsFinding('96367\n').status, 'ok');
  const off = usernsFinding('0\n');
  assert.equal(off.status, 'warn');
  assert.match(off.fix ?? '', /max_user_namespaces/);
  assert.equal(usernsFinding(undefined).status, 'warn');
});

test('idmap probe outcomes: works, kernel lacks mount_setattr, file system refuses', () => {
  const base = { dir: '/var/lib', fsType: 'ext4' };
  assert.equal(idmapFinding({ ...base, exitCode: 0, stdout: 'ok 100000\n', stderr: '' }).status, 'ok');
  // The mount happened but the owner did not change: not working.
  assert.equal(idmapFinding({ ...base, exitCode: 0, stdout: 'ok 0\n', stderr: '' }).status, 'warn');
  const nosys = idmapFinding({ ...base, exitCode: 3, stdout: '', stderr: 'mount_setattr: ENOSYS (Function not implemented)\n' });
  assert.match(nosys.summary, /no mount_setattr/);
  const inval = idmapFinding({ ...base, fsType: 'tmpfs', exitCode: 3, stdout: '', stderr: 'mount_setattr: EINVAL (Invalid argument)' });
  assert.equal(inval.status, 'warn');
  assert.match(inval.summary, /tmpfs/);
});

test('runtime idmapped mounts: runc from 1.2.0, crun from 1.8', () => {
  assert.equal(runtimeIdmapFinding('runc', 'runc', 'runc version 1.1.5+ds1').status, 'warn');
  assert.equal(runtimeIdmapFinding('runc', 'runc', 'runc version 1.2.0').status, 'ok');
  assert.equal(runtimeIdmapFinding('crun', 'crun', 'crun version 1.8.1').status, 'ok');
  assert.equal(runtimeIdmapFinding('crun', 'crun', 'crun version 1.7').status, 'warn');
  assert.equal(runtimeIdmapFinding('kata', 'other', 'kata 3.0').status, 'info');
});
