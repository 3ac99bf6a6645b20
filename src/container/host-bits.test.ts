// Pure host helpers: cgroup paths for both drivers, pod cgroup writes on v1 and v2 fixture trees,
// mountinfo lookups, device numbers, stop signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerCgroupsPath } from './paths.js';
import { applyPodCgroup, podCgroupWrites } from './pod-cgroup.js';
import { deviceNumbers, mountOf, parseMountInfo } from './host-facts.js';
import { stopSignal } from './create-spec.js';
import { emptyResources } from '../oci/spec/resources.js';

test('container cgroup paths: cgroupfs beneath the pod, systemd a scope in the pod slice', () => {
  assert.equal(containerCgroupsPath('cgroupfs', '/kubepods/burstable/pod1', 'abc'), '/kubepods/burstable/pod1/abc');
  assert.equal(containerCgroupsPath('cgroupfs', '', 'abc'), '/abc');
  assert.equal(containerCgroupsPath('systemd', 'kubepods-besteffort-pod1.slice', 'abc'), 'kubepods-besteffort-pod1.slice:rktlet:abc');
});

test('pod cgroup writes for v1 and v2, applied to fixture trees', async () => {
  const r = { ...emptyResources(), cpuShares: 1024, cpuQuota: 50000, cpuPeriod: 100000, memoryLimit: 256 * 1024 * 1024, cpusetCpus: '0-1', unified: { 'memory.high': '1000' } };
  assert.deepEqual(podCgroupWrites(r, false).map((w) => `${w.controller}/${w.file}=${w.value}`), [
    'cpu/cpu.shares=1024',
    'cpu/cpu.cfs_period_us=100000',
    'cpu/cpu.cfs_quota_us=50000',
    'memory/memory.limit_in_bytes=268435456',
    'cpuset/cpuset.cpus=0-1',
  ]);
  assert.deepEqual(podCgroupWrites(r, true).map((w) => `${w.file}=${w.value}`), [
    'cpu.weight=39',
    'cpu.max=50000 100000',
    'memory.max=268435456',
    'cpuset.cpus=0-1',
    'memory.high=1000',
  ]);
  assert.equal(podCgroupWrites({ ...emptyResources(), cpuPeriod: 100000 }, true)[0]?.value, 'max 100000');

  const root = mkdtempSync(join(tmpdir(), 'pod-cg-'));
  try {
    for (const c of ['cpu', 'memory']) mkdirSync(join(root, 'v1', c, 'kubepods', 'pod1'), { recursive: true });
    mkdirSync(join(root, 'v2', 'kubepods', 'pod1'), { recursive: true });
    assert.equal(await applyPodCgroup(join(root, 'v1'), '/kubepods/pod1', r, false), 4, 'cpuset is not in the fixture: skipped');
    assert.equal(readFileSync(join(root, 'v1', 'memory', 'kubepods', 'pod1', 'memory.limit_in_bytes'), 'utf8'), '268435456');
    assert.equal(await applyPodCgroup(join(root, 'v2'), '/kubepods/pod1', r, true), 5);
    assert.equal(readFileSync(join(root, 'v2', 'kubepods', 'pod1', 'cpu.max'), 'utf8'), '50000 100000');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('mountinfo: the mount holding a path and its propagation', () => {
  const mi = parseMountInfo(
    [
      '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '30 22 0:30 / /var/lib/kubelet rw,relatime - ext4 /dev/vdb rw',
      '31 30 0:31 / /var/lib/kubelet/pods/x rw master:7 - tmpfs tmpfs rw',
      '32 22 0:32 / /mnt/with\\040space rw - tmpfs tmpfs rw',
    ].join('\n'),
  );
  assert.equal(mountOf(mi, '/etc/passwd')?.mountPoint, '/');
  assert.deepEqual(mountOf(mi, '/')?.optional, ['shared:1']);
  assert.equal(mountOf(mi, '/var/lib/kubelet/plugins')?.mountPoint, '/var/lib/kubelet');
  assert.deepEqual(mountOf(mi, '/var/lib/kubelet')?.optional, []);
  assert.deepEqual(mountOf(mi, '/var/lib/kubelet/pods/x/vol')?.optional, ['master:7']);
  assert.equal(mountOf(mi, '/var/lib/kubeletx')?.mountPoint, '/');
  assert.equal(mountOf(mi, '/mnt/with space/a')?.mountPoint, '/mnt/with space');
});

test('device numbers from st_rdev; stop signals', () => {
  assert.deepEqual(deviceNumbers(0x0103), { major: 1, minor: 3 });
  assert.deepEqual(deviceNumbers(0x0a00 | 229), { major: 10, minor: 229 });
  // glibc's makedev: minor bits above 0xff go to bits 20+ (4:300 is 0x10042c).
  assert.deepEqual(deviceNumbers(0x10042c), { major: 4, minor: 300 });
  assert.equal(stopSignal('RUNTIME_DEFAULT', undefined), 'SIGTERM');
  assert.equal(stopSignal('', 'quit'), 'SIGQUIT');
  assert.equal(stopSignal('', 'SIGUSR1'), 'SIGUSR1');
  assert.equal(stopSignal('', '15'), '15');
  assert.equal(stopSignal('SIGINT', 'SIGUSR1'), 'SIGINT');
});
