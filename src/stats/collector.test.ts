import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { StatsCollector, type StatsDeps } from './collector.js';
import type { ContainerRecord } from '../container/types.js';
import type { PodRecord } from '../pod/types.js';
import type { CgroupLayout } from './cgroup-layout.js';

const FIX = join(packageRoot, 'test', 'fixtures', 'cgroup');
const v1: CgroupLayout = {
  version: 1,
  controllers: new Map(['cpu', 'cpuacct', 'memory', 'pids', 'blkio'].map((c) => [c, join(FIX, 'v1', c)])),
  unified: join(FIX, 'v1', 'unified'),
};
const v2: CgroupLayout = { version: 2, root: join(FIX, 'v2') };

const NET = [{ name: 'eth0', rxBytes: 100n, rxPackets: 1n, rxErrors: 0n, rxDropped: 0n, txBytes: 200n, txPackets: 2n, txErrors: 0n, txDropped: 0n }];

function deps(layout: CgroupLayout, driver: 'cgroupfs' | 'systemd'): StatsDeps {
  return {
    cgroupDriver: driver,
    layout: async () => layout,
    writableLayer: async (id) => (id === 'gone' ? undefined : { bytes: 8192, inodes: 4 }),
    writableLayerMountpoint: '/var/lib/rktlet/snapshots/active',
    netDev: async (pid) => (pid === 4242 ? NET : undefined),
  };
}

function container(id: string, cgroupsPath: string, state: 'running' | 'exited' = 'running'): ContainerRecord {
  return {
    meta: { id, podId: 'p1', name: 'app', attempt: 2, image: 'busybox:latest', labels: { a: 'b' }, annotations: { x: 'y' }, cgroupsPath, createdAtNs: '1' },
    status: { state, pid: 0, startedAtNs: '1700000000000000000', finishedAtNs: '0', exitCode: 0, reason: '', message: '' },
  } as unknown as ContainerRecord;
}

function pod(cgroupParent: string, network: 'POD' | 'NODE' = 'POD'): PodRecord {
  return {
    id: 'p1',
    metadata: { name: 'web', uid: 'u1', namespace: 'default', attempt: 0 },
    config: { labels: { app: 'web' }, annotations: {} },
    state: 'SANDBOX_READY',
    namespaces: { network, pid: 'POD', ipc: 'POD' },
    infraPid: 4242,
    cgroupParent,
  } as unknown as PodRecord;
}

test('container stats from a v1 cgroupfs tree: every figure, rate 0 on the first sample', async () => {
  const c = new StatsCollector(deps(v1, 'cgroupfs'));
  const s = await c.containerStats(container('c1', '/kubepods/pod1/ctr1'));
  assert.deepEqual(s.attributes, { id: 'c1', metadata: { name: 'app', attempt: 2 }, labels: { a: 'b' }, annotations: { x: 'y' } });
  assert.equal(s.cpu?.usage_core_nano_seconds?.value, '5000000000');
  assert.equal(s.cpu?.usage_nano_cores?.value, '0');
  assert.equal(s.cpu?.psi?.Some?.Total, '123456');
  assert.equal(s.memory?.working_set_bytes?.value, String(104857600 - 10485760));
  assert.equal(s.memory?.available_bytes?.value, String(268435456 - (104857600 - 10485760)));
  assert.equal(s.memory?.rss_bytes?.value, '73400320');
  assert.equal(s.memory?.page_faults?.value, '123456');
  assert.equal(s.memory?.major_page_faults?.value, '42');
  assert.equal(s.io?.psi?.Full?.Total, '14389612');
  assert.equal(s.writable_layer?.used_bytes?.value, '8192');
  assert.equal(s.writable_layer?.inodes_used?.value, '4');
  assert.equal(s.writable_layer?.fs_id?.mountpoint, '/var/lib/rktlet/snapshots/active');
  assert.equal(s.cpu?.timestamp, s.memory?.timestamp);
  assert.ok(BigInt(s.cpu!.timestamp as string) > 0n);
});

test('an exited container has no cgroup figures but keeps its writable layer; an unknown cgroup gives nulls', async () => {
  const c = new StatsCollector(deps(v1, 'cgroupfs'));
  const s = await c.containerStats(container('c1', '/kubepods/pod1/ctr1', 'exited'));
  assert.equal(s.cpu, null);
  assert.equal(s.memory, null);
  assert.equal(s.writable_layer?.used_bytes?.value, '8192');
  const g = await c.containerStats(container('gone', '/nowhere'));
  assert.equal(g.cpu, null);
  assert.equal(g.writable_layer, null);
});

test('pod stats from a v2 systemd tree: pod cgroup, network from the infra pid, containers', async () => {
  const c = new StatsCollector(deps(v2, 'systemd'));
  const s = await c.podStats(pod('kubepods-pod1.slice'), [container('c1', 'kubepods-pod1.slice:rktlet:ctr1')]);
  assert.equal(s.attributes?.id, 'p1');
  assert.deepEqual(s.attributes?.metadata, { name: 'web', uid: 'u1', namespace: 'default', attempt: 0 });
  assert.deepEqual(s.attributes?.labels, { app: 'web' });
  const l = s.linux!;
  assert.equal(l.cpu?.usage_core_nano_seconds?.value, '9000000000');
  assert.equal(l.memory?.working_set_bytes?.value, String(209715200 - 20971520));
  assert.equal(l.memory?.available_bytes, null); // memory.max is "max"
  assert.equal(l.process?.process_count?.value, '9');
  assert.equal(l.cpu?.psi?.Full?.Total, '1000000');
  assert.equal(l.network?.default_interface?.name, 'eth0');
  assert.equal(l.network?.interfaces?.[0]?.rx_bytes?.value, '100');
  assert.equal(l.containers?.length, 1);
  assert.equal(l.containers?.[0]?.cpu?.usage_core_nano_seconds?.value, '5000000000');
  // Host network: the node's counters are not the pod's.
  const h = await c.podStats(pod('kubepods-pod1.slice', 'NODE'), []);
  assert.equal(h.linux?.network, null);
});

test('pod metrics: pod level has container "" and the network; containers carry their labels', async () => {
  const c = new StatsCollector(deps(v2, 'systemd'));
  const m = await c.podMetrics(pod('kubepods-pod1.slice'), [container('c1', 'kubepods-pod1.slice:rktlet:ctr1')]);
  assert.equal(m.pod_sandbox_id, 'p1');
  const rx = m.metrics!.find((x) => x.name === 'container_network_receive_bytes_total');
  assert.deepEqual(rx?.label_values, ['', '/kubepods.slice/kubepods-pod1.slice', '', '', 'default', 'web', 'eth0']);
  assert.equal(rx?.value?.value, '100');
  const cm = m.container_metrics![0]!;
  assert.equal(cm.container_id, 'c1');
  const ws = cm.metrics!.find((x) => x.name === 'container_memory_working_set_bytes');
  assert.deepEqual(ws?.label_values, ['app', '/kubepods.slice/kubepods-pod1.slice/rktlet-ctr1.scope', 'busybox:latest', 'c1', 'default', 'web']);
  assert.equal(cm.metrics!.find((x) => x.name === 'container_fs_usage_bytes')?.value?.value, '8192');
  assert.equal(cm.metrics!.find((x) => x.name === 'container_start_time_seconds')?.value?.value, '1700000000');
});

test('concurrent stats calls share one writable-layer walk per container', async () => {
  let walks = 0;
  const d = deps(v1, 'cgroupfs');
  const c = new StatsCollector({
    ...d,
    writableLayer: async () => {
      walks++;
      await new Promise((r) => setTimeout(r, 20));
      return { bytes: 1, inodes: 1 };
    },
  });
  const r = container('c1', '/kubepods/pod1/ctr1');
  await Promise.all([c.containerStats(r), c.containerStats(r), c.containerStats(r)]);
  assert.equal(walks, 1);
  await c.containerStats(r);
  assert.equal(walks, 2); // nothing cached once the walk is over
});
