import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupPathFromConfig, dirsForPath, dirsForProcess, parseMountinfo, parseProcCgroup } from './cgroup-layout.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const COMOUNT = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:1 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`;
const UNIFIED = `25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

test('parseMountinfo: hybrid v1, co-mounted v1, unified v2', () => {
  const h = parseMountinfo(HYBRID);
  assert.equal(h.version, 1);
  if (h.version !== 1) return;
  assert.equal(h.controllers.get('cpuacct'), '/sys/fs/cgroup/cpuacct');
  assert.equal(h.unified, '/sys/fs/cgroup/unified');
  const c = parseMountinfo(COMOUNT);
  assert.ok(c.version === 1 && c.controllers.get('cpu') === '/sys/fs/cgroup/cpu,cpuacct' && c.controllers.get('cpuacct') === '/sys/fs/cgroup/cpu,cpuacct');
  assert.ok(c.version === 1 && c.unified === undefined);
  assert.deepEqual(parseMountinfo(UNIFIED), { version: 2, root: '/sys/fs/cgroup' });
  assert.throws(() => parseMountinfo('1 0 0:1 / / rw - ext4 /dev/sda rw\n'), /no cgroup/);
});

test('systemd slices and scopes expand like systemd does', () => {
  assert.equal(cgroupPathFromConfig('systemd', 'kubepods-pod1.slice:rktlet:abc'), '/kubepods.slice/kubepods-pod1.slice/rktlet-abc.scope');
  assert.equal(cgroupPathFromConfig('systemd', 'kubepods-pod1.slice'), '/kubepods.slice/kubepods-pod1.slice');
  assert.equal(cgroupPathFromConfig('cgroupfs', '/rktlet/pod1/ctr1'), '/rktlet/pod1/ctr1');
  assert.equal(cgroupPathFromConfig('cgroupfs', 'rktlet/pod1'), '/rktlet/pod1');
});

test('parseProcCgroup and the directories of a process or a path', () => {
  const pc = parseProcCgroup('9:name=systemd:/\n4:memory:/rktlet/p/c\n2:cpu,cpuacct:/rktlet/p/c\n0::/rktlet/p/c\n');
  assert.equal(pc.get('memory'), '/rktlet/p/c');
  assert.equal(pc.get('cpuacct'), '/rktlet/p/c');
  assert.equal(pc.get(''), '/rktlet/p/c');
  const layout = parseMountinfo(HYBRID);
  assert.deepEqual(dirsForProcess(layout, pc), {
    version: 1,
    dirs: { cpu: '/sys/fs/cgroup/cpu/rktlet/p/c', cpuacct: '/sys/fs/cgroup/cpuacct/rktlet/p/c', memory: '/sys/fs/cgroup/memory/rktlet/p/c', unified: '/sys/fs/cgroup/unified/rktlet/p/c' },
  });
  // Left in the unified root: no PSI rather than the whole host's.
  const d = dirsForProcess(layout, parseProcCgroup('4:memory:/x\n0::/\n'));
  assert.ok(d?.version === 1 && d.dirs.unified === undefined);
  assert.deepEqual(dirsForPath(parseMountinfo(UNIFIED), '/a/b'), { version: 2, dir: '/sys/fs/cgroup/a/b' });
  const p = dirsForPath(layout, '/rktlet/p');
  assert.ok(p.version === 1 && p.dirs.pids === '/sys/fs/cgroup/pids/rktlet/p' && p.dirs.unified === '/sys/fs/cgroup/unified/rktlet/p');
  assert.equal(dirsForProcess(parseMountinfo(UNIFIED), new Map()), undefined);
});
