import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lsmFindings, seccompFinding } from './security.js';

test('seccomp: present with the actions RuntimeDefault needs, or not', () => {
  const status = 'Name:\tnode\nSeccomp:\t0\nSeccomp_filters:\t0\n';
  assert.equal(seccompFinding(status, 'kill_process kill_thread trap errno user_notif trace log allow\n').status, 'ok');
  assert.equal(seccompFinding('Name:\tnode\n', undefined).status, 'fail');
  assert.equal(seccompFinding(status, 'kill_process trap\n').status, 'fail');
});

test('LSMs: neither (this machine), AppArmor on, SELinux enforcing', () => {
  const none = lsmFindings({ apparmorEnabled: undefined, selinuxEnforce: undefined, lsmList: undefined });
  assert.deepEqual(none.map((f) => [f.check, f.status]), [['lsm.apparmor', 'info'], ['lsm.selinux', 'info']]);
  assert.equal(lsmFindings({ apparmorEnabled: 'Y\n', selinuxEnforce: undefined, lsmList: 'lockdown,capability,apparmor' })[0]?.status, 'ok');
  assert.equal(lsmFindings({ apparmorEnabled: 'N\n', selinuxEnforce: undefined, lsmList: '' })[0]?.status, 'info');
  const se = lsmFindings({ apparmorEnabled: undefined, selinuxEnforce: '1', lsmList: 'selinux' })[1];
  assert.equal(se?.status, 'warn');
  assert.match(se?.summary ?? '', /enforcing/);
});
