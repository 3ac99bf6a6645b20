// The streaming server's sessions reach the container's (or pod's) OciRuntime by its handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { FailedPreconditionError, InvalidArgumentError } from '../errors/catalog.js';
import type { OciRuntime } from '../oci/runtime.js';
import { ContainerStreaming } from './streaming-backend.js';
import { fakePodView, NoSessions } from './test-fakes.js';
import type { ContainerRecord } from './types.js';

function fixture() {
  const calls: unknown[][] = [];
  const rt: OciRuntime = {
    ...new NoSessions(),
    name: 'runc',
    create: () => Promise.reject(new Error('not here')),
    start: async () => {},
    kill: async () => {},
    delete: async () => {},
    update: async () => {},
    state: async () => undefined,
    exec: async (id, cmd) => (calls.push(['exec', id, cmd]), { exitCode: 3 }),
    attach: async (c) => void calls.push(['attach', c]),
    portForward: async (netns, port) => void calls.push(['portForward', netns, port]),
  };
  const records: Record<string, ContainerRecord> = {
    c1: { meta: { id: 'c1', runtimeHandler: 'runc', bundle: '/b1' } } as ContainerRecord,
    c2: { meta: { id: 'c2', runtimeHandler: 'gone', bundle: '/b2' } } as ContainerRecord,
  };
  const pods = { p1: fakePodView({ id: 'p1', hostNetwork: false, netnsPath: '/run/netns/p1' }), p2: fakePodView({ id: 'p2', hostNetwork: true, netnsPath: '' }) };
  const backend = new ContainerStreaming({
    containers: { getRunning: (id) => records[id]! },
    pods: { get: (id) => pods[id as keyof typeof pods] },
    runtime: (h) => {
      if (h !== 'runc') throw new InvalidArgumentError(`no runtime for "${h}" is configured`);
      return rt;
    },
  });
  return { backend, calls };
}

test('exec, attach and port-forward go to the runtime of the container\'s or pod\'s handler', async () => {
  const { backend, calls } = fixture();
  const streams = { tty: false, signal: new AbortController().signal };
  assert.deepEqual(await backend.exec('c1', ['ls'], streams), { exitCode: 3 });
  await backend.attach('c1', streams);
  await backend.portForward('p1', 80, new PassThrough(), streams.signal);
  await backend.portForward('p2', 81, new PassThrough(), streams.signal);
  assert.deepEqual(calls, [
    ['exec', 'c1', ['ls']],
    ['attach', { id: 'c1', bundle: '/b1' }],
    ['portForward', '/run/netns/p1', 80],
    ['portForward', '', 81], // host network: the host's loopback
  ]);
});

test('a container whose handler left the configuration: FAILED_PRECONDITION, not the request\'s fault', async () => {
  const { backend } = fixture();
  await assert.rejects(
    backend.exec('c2', ['ls'], { tty: false, signal: new AbortController().signal }),
    (e: Error) => e instanceof FailedPreconditionError && /container c2 uses runtime handler "gone", which is not configured/.test(e.message),
  );
});
