import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupMounts, pathToSlice, podCgroup, podCgroupDir } from './cgroups.js';

const ID = 'b'.repeat(64);

test('a cgroupfs default parent becomes a slice', () => {
  assert.equal(pathToSlice('/rktlet'), 'rktlet.slice');
  assert.equal(pathToSlice('/a/b'), 'a-b.slice');
  assert.equal(pathToSlice('/'), '-.slice');
  assert.equal(pathToSlice('/kubepods.slice'), 'kubepods.slice');
});

test('pod cgroups for both drivers', () => {
  assert.deepEqual(podCgroup('cgroupfs', '', '/rktlet', ID), { parent: `/rktlet/pod-${ID}`, infraCgroupsPath: `/rktlet/pod-${ID}/${ID}`, owned: true });
  assert.deepEqual(podCgroup('cgroupfs', '/kubepods/besteffort/pod1/', '/rktlet', ID), { parent: '/kubepods/besteffort/pod1', infraCgroupsPath: `/kubepods/besteffort/pod1/${ID}`, owned: false });
  assert.throws(() => podCgroup('cgroupfs', 'kubepods.slice', '/rktlet', ID), /absolute cgroupfs path/);
  assert.throws(() => podCgroup('cgroupfs', '/a/../b', '/rktlet', ID), /cgroupfs/);
  assert.deepEqual(podCgroup('systemd', 'kubepods-besteffort-pod1.slice', '/rktlet', ID), {
    parent: 'kubepods-besteffort-pod1.slice',
    infraCgroupsPath: `kubepods-besteffort-pod1.slice:rktlet:${ID}`,
    owned: false,
  });
  assert.deepEqual(podCgroup('systemd', '', '/rktlet', ID), { parent: `rktlet-pod${ID}.slice`, infraCgroupsPath: `rktlet-pod${ID}.slice:rktlet:${ID}`, owned: true });
  assert.throws(() => podCgroup('systemd', '/kubepods/pod1', '/rktlet', ID), /slice/);
  assert.equal(podCgroupDir('systemd', `rktlet-pod${ID}.slice`), `/rktlet.slice/rktlet-pod${ID}.slice`);
  assert.equal(podCgroupDir('cgroupfs', '/rktlet/pod-x'), '/rktlet/pod-x');
});

test('cgroup mounts from mountinfo: a hybrid v1 host and a pure v2 host', () => {
  const hybrid = [
    '25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
    '26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
    '27 25 0:24 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    '28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    '29 24 0:26 / /proc rw - proc proc rw',
  ].join('\n');
  assert.deepEqual(cgroupMounts(hybrid), [
    { path: '/sys/fs/cgroup/unified', v2: true },
    { path: '/sys/fs/cgroup/memory', v2: false },
    { path: '/sys/fs/cgroup/cpu,cpuacct', v2: false },
  ]);
  assert.deepEqual(cgroupMounts('30 24 0:27 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate'), [{ path: '/sys/fs/cgroup', v2: true }]);
});
