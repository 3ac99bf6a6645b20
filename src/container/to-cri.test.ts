import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criState, exitReason, toCriContainer, toCriStatus } from './to-cri.js';
import { filterContainers, matchesLabels } from './filter.js';
import { emptyResources } from '../oci/spec/resources.js';
import type { ContainerRecord } from './types.js';

function rec(id: string, podId: string, state: ContainerRecord['status']['state'], labels: Record<string, string>, created: string): ContainerRecord {
  return {
    meta: {
      id,
      podId,
      name: `n-${id}`,
      attempt: 1,
      image: 'busybox',
      imageAnnotations: {},
      imageId: 'sha256:abc',
      imageRef: 'docker.io/library/busybox@sha256:def',
      labels,
      annotations: { a: 'b' },
      logPath: '/var/log/pods/p/c/0.log',
      tty: false,
      stdin: false,
      stdinOnce: false,
      mounts: [{ containerPath: '/data', hostPath: '/h', readonly: true, propagation: 'rslave' }],
      user: { uid: 1000, gid: 1000, additionalGids: [1000, 10] },
      stopSignal: 'SIGTERM',
      runtimeHandler: 'runc',
      bundle: '/b',
      rootfs: '/b/rootfs',
      cgroupsPath: '/rktlet/p/c',
      createdAtNs: created,
    },
    status: { state, pid: 0, startedAtNs: '0', finishedAtNs: '0', exitCode: 0, reason: '', message: '', resources: emptyResources() },
  };
}

test('states and reasons', () => {
  assert.equal(criState('created'), 'CONTAINER_CREATED');
  assert.equal(criState('running'), 'CONTAINER_RUNNING');
  assert.equal(criState('exited'), 'CONTAINER_EXITED');
  assert.equal(criState('unknown'), 'CONTAINER_UNKNOWN');
  assert.equal(exitReason(0, false), 'Completed');
  assert.equal(exitReason(7, false), 'Error');
  assert.equal(exitReason(137, true), 'OOMKilled');
});

test('CRI conversion keeps every field the kubelet reads', () => {
  const r = rec('c1', 'p1', 'exited', { app: 'x' }, '1000');
  r.status = { ...r.status, exitCode: 7, reason: 'Error', startedAtNs: '2000', finishedAtNs: '3000' };
  const s = toCriStatus(r);
  assert.equal(s.state, 'CONTAINER_EXITED');
  assert.equal(s.exit_code, 7);
  assert.equal(s.created_at, '1000');
  assert.equal(s.started_at, '2000');
  assert.equal(s.finished_at, '3000');
  assert.equal(s.image_ref, 'docker.io/library/busybox@sha256:def');
  assert.equal(s.image_id, 'sha256:abc');
  assert.deepEqual(s.mounts?.[0]?.propagation, 'PROPAGATION_HOST_TO_CONTAINER');
  assert.deepEqual(s.user?.linux?.supplemental_groups, ['1000', '10']);
  const c = toCriContainer(r);
  assert.equal(c.pod_sandbox_id, 'p1');
  assert.deepEqual(c.metadata, { name: 'n-c1', attempt: 1 });
});

test('filters: id prefix, pod, state, labels; newest first', () => {
  const all = [
    rec('aaa1', 'p1', 'running', { app: 'x', tier: 'web' }, '1'),
    rec('aab2', 'p2', 'exited', { app: 'x' }, '3'),
    rec('bbb3', 'p1', 'created', {}, '2'),
  ];
  const ids = (f: Parameters<typeof filterContainers>[1]) => filterContainers(all, f).map((r) => r.meta.id);
  assert.deepEqual(ids(null), ['aab2', 'bbb3', 'aaa1']);
  assert.deepEqual(ids({ id: 'aa', pod_sandbox_id: '', state: null, label_selector: {} }), ['aab2', 'aaa1']);
  assert.deepEqual(ids({ id: '', pod_sandbox_id: 'p1', state: null, label_selector: {} }), ['bbb3', 'aaa1']);
  assert.deepEqual(ids({ id: '', pod_sandbox_id: '', state: { state: 'CONTAINER_RUNNING' }, label_selector: {} }), ['aaa1']);
  assert.deepEqual(ids({ id: '', pod_sandbox_id: '', state: null, label_selector: { app: 'x', tier: 'web' } }), ['aaa1']);
  assert.ok(matchesLabels({ a: '1' }, {}));
  assert.ok(!matchesLabels({}, { a: '1' }));
});
