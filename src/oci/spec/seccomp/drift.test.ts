// rktlet's RuntimeDefault profile against moby's default.json (vendored, see upstream/*/SOURCE.md):
// every difference must be justified in justified.ts, and every justification still needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentDrift } from './drift-report.js';
import { driftCases, expandDocker, formatDrift, seccompDrift, unjustified, type DockerProfile } from './drift.js';
import { JUSTIFIED } from './justified.js';
import type { OciSeccomp } from '../types.js';

test('the built-in RuntimeDefault profile differs from the vendored moby profile only where justified.ts says why', () => {
  const drifts = currentDrift();
  const { open, stale } = unjustified(drifts, JUSTIFIED);
  assert.deepEqual(open.map(formatDrift), [], 'differences without a justification (fix the profile or record why in justified.ts)');
  assert.deepEqual(stale.map((j) => j.syscall), [], 'justifications no difference needs any more');
});

const upstream: DockerProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    { names: ['cacheflush'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
  ],
};

test('expandDocker applies includes and excludes (arches by GOARCH, caps all held) as moby does', () => {
  const plain = expandDocker(upstream, 'x64', []);
  assert.deepEqual([...plain.answers.keys()].sort(), ['arch_prctl', 'clone', 'ptrace', 'read', 'write']);
  assert.deepEqual(plain.answers.get('clone'), ['SCMP_ACT_ALLOW [0:SCMP_CMP_MASKED_EQ:2114060288:0]']);
  assert.deepEqual(plain.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  const admin = expandDocker(upstream, 'x64', ['CAP_SYS_ADMIN']);
  assert.deepEqual(admin.answers.get('clone'), ['SCMP_ACT_ALLOW']);
  assert.ok(admin.answers.has('mount'));
  assert.ok(!expandDocker(upstream, 'arm64', []).answers.has('arch_prctl'));
});

test('seccompDrift reports a syscall missing, one extra, a different filter and a different head', () => {
  const ours = (caps: string[]): OciSeccomp => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['read', 'arch_prctl', 'ptrace', 'kexec_load'], action: 'SCMP_ACT_ALLOW' },
      caps.includes('CAP_SYS_ADMIN') ? { names: ['clone', 'mount'], action: 'SCMP_ACT_ALLOW' } : { names: ['clone'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
  const cases = driftCases(upstream, [], ['CAP_SYS_ADMIN'], ['x64']);
  assert.deepEqual(cases.map((c) => c.label), ['default', 'default+CAP_SYS_ADMIN', 'all']);
  const d = seccompDrift(upstream, ours, cases).filter((x) => x.caps === 'default');
  assert.deepEqual(
    d.map((x) => [x.syscall, x.upstream.join('|'), x.ours.join('|')]),
    [
      ['(architectures)', 'SCMP_ARCH_X86|SCMP_ARCH_X86_64', 'SCMP_ARCH_X86_64'],
      ['(defaultAction)', 'SCMP_ACT_ERRNO(1)', 'SCMP_ACT_ERRNO(38)'],
      ['clone', 'SCMP_ACT_ALLOW [0:SCMP_CMP_MASKED_EQ:2114060288:0]', 'SCMP_ACT_ALLOW'],
      ['kexec_load', '', 'SCMP_ACT_ALLOW'],
      ['write', 'SCMP_ACT_ALLOW', ''],
    ],
  );
  // A justification covers only what it names, and one nothing needs is stale.
  const j = [
    { syscall: 'write', why: 'x' },
    { syscall: 'kexec_load', caps: /^all$/, why: 'y' },
    { syscall: 'open', why: 'z' },
  ];
  const { open, stale } = unjustified(d, j);
  assert.deepEqual(open.map((x) => x.syscall), ['(architectures)', '(defaultAction)', 'clone', 'kexec_load']);
  assert.deepEqual(stale.map((x) => x.syscall), ['kexec_load', 'open']);
});
