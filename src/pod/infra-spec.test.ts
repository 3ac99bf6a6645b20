import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGolden } from '../../test/helpers/golden.js';
import { infraSeccompProfile, infraSpec, type InfraSpecInput } from './infra-spec.js';
import { clampOomScoreAdj } from '../oci/spec/resources.js';

const ID = 'a'.repeat(64);
const base: InfraSpecInput = {
  podId: ID,
  rootfs: `/var/lib/rktlet/pods/${ID}/infra/rootfs`,
  infraInit: '/usr/bin/catatonit',
  hostname: 'web-0',
  namespaces: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
  netnsPath: `/run/rktlet/netns/pod-${ID}`,
  sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shm_rmid_forced': '1' },
  cgroupsPath: `/rktlet/pod-${ID}/${ID}`,
  privileged: false,
  uid: 65535,
  gid: 65535,
  additionalGids: [],
  seccomp: infraSeccompProfile(),
  oomScoreAdj: -998,
  shmPath: `/run/rktlet/pods/${ID}/shm`,
  annotations: { 'example.com/a': 'b' },
};

test('infra spec: an unprivileged pod (golden)', () => {
  const s = infraSpec(base);
  assertGolden('pod/infra-default', s);
  assert.deepEqual(s.process.capabilities, { bounding: [], effective: [], permitted: [] });
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.root.readonly, true);
  assert.deepEqual(s.linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.equal(s.linux.namespaces.find((n) => n.type === 'network')?.path, base.netnsPath);
  assert.equal(s.hostname, 'web-0');
});

test('infra spec: host namespaces and privileged (golden)', () => {
  const s = infraSpec({ ...base, namespaces: { network: 'NODE', pid: 'NODE', ipc: 'NODE' }, netnsPath: '', sysctls: {}, privileged: true, seccomp: undefined, uid: 0, gid: 0, shmPath: '' });
  assertGolden('pod/infra-host-privileged', s);
  assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }]);
  assert.equal(s.hostname, undefined);
  assert.equal(s.linux.seccomp, undefined);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.ok(s.process.capabilities!.bounding.includes('CAP_SYS_ADMIN'));
});

test('infra spec: a pause image runs its own process on its own root', () => {
  const s = infraSpec({ ...base, rootfs: '/snap/rootfs', image: { args: ['/pause'], env: ['PATH=/bin'], cwd: '' } });
  assert.deepEqual(s.process.args, ['/pause']);
  assert.deepEqual(s.process.env, ['PATH=/bin']);
  assert.equal(s.process.cwd, '/');
  assert.equal(s.root.path, '/snap/rootfs');
  assert.ok(!s.mounts.some((m) => m.source === '/usr/bin/catatonit'));
});

test('oom_score_adj is clamped only when restricted', () => {
  assert.equal(clampOomScoreAdj(-998, 0, true), 0);
  assert.equal(clampOomScoreAdj(-998, -999, true), -998);
  assert.equal(clampOomScoreAdj(-998, 0, false), -998);
});
