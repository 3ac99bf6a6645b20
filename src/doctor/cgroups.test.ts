import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupFindings, cgroupLayout, cgroupMounts } from './cgroups.js';

// This machine's (Debian 12, no systemd): v1 controllers and a cgroup2 mount at unified.
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const PROC_CGROUPS = `#subsys_name	hierarchy	num_cgroups	enabled
cpuset	3	35	1
cpu	1	35	1
cpuacct	2	35	1
blkio	7	35	1
memory	4	1084	1
devices	5	35	1
freezer	6	35	1
net_cls	0	35	1
pids	8	35	1
`;
// A systemd host on cgroup v2 (Debian 12's default).
const V2 = `28 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`;

test('layouts: hybrid, v2, v1, none', () => {
  assert.equal(cgroupLayout(cgroupMounts(HYBRID)), 'hybrid');
  assert.equal(cgroupLayout(cgroupMounts(V2)), 'v2');
  assert.equal(cgroupLayout(cgroupMounts(HYBRID.split('\n').filter((l) => !l.includes('cgroup2')).join('\n'))), 'v1');
  assert.equal(cgroupLayout(cgroupMounts('22 1 0:21 / /proc rw - proc proc rw\n')), 'none');
});

test('hybrid host with every controller and the cgroupfs driver is healthy', () => {
  const f = cgroupFindings({ mountinfo: HYBRID, procCgroups: PROC_CGROUPS, v2Controllers: 'hugetlb\n', driver: 'cgroupfs', systemdRunning: false });
  assert.deepEqual(f.map((x) => [x.check, x.status]), [['cgroups.layout', 'ok'], ['cgroups.controllers', 'ok'], ['cgroups.driver', 'ok']]);
  assert.equal(f[0]?.facts?.layout, 'hybrid');
});

test('a v1 controller that is enabled but not mounted, or disabled, is missing', () => {
  const noPidsMount = HYBRID.split('\n').filter((l) => !l.endsWith('rw,pids')).join('\n');
  const f = cgroupFindings({ mountinfo: noPidsMount, procCgroups: PROC_CGROUPS.replace('freezer\t6\t35\t1', 'freezer\t6\t35\t0'), v2Controllers: '', driver: 'cgroupfs', systemdRunning: false });
  const c = f.find((x) => x.check === 'cgroups.controllers');
  assert.equal(c?.status, 'fail');
  assert.deepEqual(c?.facts?.missing, ['pids', 'freezer']);
});

test('v2: controllers from cgroup.controllers; the systemd driver without systemd fails', () => {
  const ok = cgroupFindings({ mountinfo: V2, procCgroups: '', v2Controllers: 'cpuset cpu io memory hugetlb pids rdma misc\n', driver: 'systemd', systemdRunning: true });
  assert.ok(ok.every((x) => x.status === 'ok'));
  const bad = cgroupFindings({ mountinfo: V2, procCgroups: '', v2Controllers: 'cpu memory pids', driver: 'systemd', systemdRunning: false });
  assert.equal(bad.find((x) => x.check === 'cgroups.controllers')?.status, 'fail');
  assert.match(bad.find((x) => x.check === 'cgroups.controllers')?.fix ?? '', /subtree_control/);
  assert.equal(bad.find((x) => x.check === 'cgroups.driver')?.status, 'fail');
});
