import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apparmorFromCri, capabilitiesFromMask, computeCapabilities, normalizeCapability, withApparmor } from './security.js';
import { baseSpec } from './defaults.js';
import { ALL_CAPABILITIES } from './defaults.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import { seccompFromCri, parseSeccompProfile } from './seccomp.js';

const D = ['CAP_CHOWN', 'CAP_KILL'];

test('capability names are normalized', () => {
  assert.equal(normalizeCapability('net_admin'), 'CAP_NET_ADMIN');
  assert.equal(normalizeCapability('CAP_SYS_ADMIN'), 'CAP_SYS_ADMIN');
  assert.equal(normalizeCapability('all'), 'ALL');
  assert.throws(() => normalizeCapability('bad-cap'));
});

test('capabilities: defaults, add, drop, ALL', () => {
  assert.deepEqual(computeCapabilities(D, [], []), D);
  assert.deepEqual(computeCapabilities(D, ['NET_ADMIN'], ['KILL']), ['CAP_CHOWN', 'CAP_NET_ADMIN']);
  assert.deepEqual(computeCapabilities(D, [], ['ALL']), []);
  assert.deepEqual(computeCapabilities(D, ['NET_BIND_SERVICE'], ['ALL']), ['CAP_NET_BIND_SERVICE']);
  assert.equal(computeCapabilities(D, ['ALL'], []).length, ALL_CAPABILITIES.length);
  assert.equal(computeCapabilities(D, ['ALL'], ['SYS_ADMIN']).includes('CAP_SYS_ADMIN'), false);
});

test('default seccomp profile: deny by default, capability-gated syscalls, clone without namespaces', () => {
  const p = defaultSeccompProfile(D, 'x64');
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  const allowed = p.syscalls![0]!.names;
  assert.ok(allowed.includes('read') && allowed.includes('arch_prctl'));
  for (const n of ['mount', 'unshare', 'reboot', 'init_module', 'chroot', 'kexec_load', 'open_by_handle_at']) {
    assert.ok(!allowed.includes(n), n);
  }
  assert.ok(p.syscalls!.some((s) => s.names[0] === 'clone' && s.args?.[0]?.op === 'SCMP_CMP_MASKED_EQ'));
  assert.ok(p.syscalls!.some((s) => s.names[0] === 'clone3' && s.errnoRet === 38));
  const admin = defaultSeccompProfile([...D, 'CAP_SYS_ADMIN', 'CAP_SYS_CHROOT'], 'x64');
  assert.ok(admin.syscalls![0]!.names.includes('mount'));
  assert.ok(admin.syscalls![0]!.names.includes('chroot'));
  assert.ok(!admin.syscalls!.some((s) => s.names[0] === 'clone3'));
});

test('seccomp choice from the CRI fields', () => {
  assert.deepEqual(seccompFromCri(null, ''), { type: 'RuntimeDefault' });
  // runtime.seccomp_use_default_when_empty = false: nothing asked for is the CRI's unconfined;
  // whatever is asked for is unchanged.
  assert.deepEqual(seccompFromCri(null, '', false), { type: 'Unconfined' });
  assert.deepEqual(seccompFromCri({ profile_type: 'RuntimeDefault', localhost_ref: '' }, '', false), { type: 'RuntimeDefault' });
  assert.deepEqual(seccompFromCri(null, 'runtime/default', false), { type: 'RuntimeDefault' });
  assert.deepEqual(seccompFromCri({ profile_type: 'RuntimeDefault', localhost_ref: '' }, ''), { type: 'RuntimeDefault' });
  assert.deepEqual(seccompFromCri({ profile_type: 'Unconfined', localhost_ref: '' }, ''), { type: 'Unconfined' });
  assert.deepEqual(seccompFromCri({ profile_type: 'Localhost', localhost_ref: '/a.json' }, ''), { type: 'Localhost', path: '/a.json' });
  assert.deepEqual(seccompFromCri(null, 'unconfined'), { type: 'Unconfined' });
  assert.deepEqual(seccompFromCri(null, 'localhost//b.json'), { type: 'Localhost', path: '/b.json' });
  assert.throws(() => seccompFromCri({ profile_type: 'Localhost', localhost_ref: 'rel' }, ''));
  assert.throws(() => seccompFromCri(null, 'weird'));
});

test('docker-format profiles are converted', () => {
  const p = parseSeccompProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }), 'x');
  assert.deepEqual(p.syscalls, [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }]);
  assert.throws(() => parseSeccompProfile('{', 'x'));
  assert.throws(() => parseSeccompProfile('{}', 'x'));
});

test('capability masks; ALL is limited to what the daemon holds', () => {
  assert.deepEqual(capabilitiesFromMask('a80425fb').length, 14);
  assert.ok(!capabilitiesFromMask('000001fffeffffff').includes('CAP_SYS_RESOURCE'));
  assert.equal(capabilitiesFromMask('000001ffffffffff').length, 41);
  assert.deepEqual(computeCapabilities(D, ['ALL'], [], ['CAP_CHOWN', 'CAP_NET_ADMIN']), ['CAP_CHOWN', 'CAP_NET_ADMIN']);
});

test('apparmor: Localhost applied by name where AppArmor runs, refused where it does not', () => {
  assert.deepEqual(apparmorFromCri(null, ''), { type: 'RuntimeDefault' });
  assert.deepEqual(apparmorFromCri({ profile_type: 'Localhost', localhost_ref: 'k8s-nginx' }, ''), { type: 'Localhost', profile: 'k8s-nginx' });
  assert.deepEqual(apparmorFromCri(null, 'localhost/p1'), { type: 'Localhost', profile: 'p1' });
  assert.deepEqual(apparmorFromCri({ profile_type: 'Unconfined', localhost_ref: '' }, ''), { type: 'Unconfined' });
  const s = baseSpec('/r');
  withApparmor({ type: 'Localhost', profile: 'p1' }, true)(s);
  assert.equal(s.process.apparmorProfile, 'p1');
  assert.throws(() => withApparmor({ type: 'Localhost', profile: 'p1' }, false)(baseSpec('/r')), /not enabled/);
  const d = baseSpec('/r');
  withApparmor({ type: 'RuntimeDefault' }, false)(d);
  assert.equal(d.process.apparmorProfile, undefined);
});
