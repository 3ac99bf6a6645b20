import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criProto } from './proto.js';
import { preferWire } from './wire.js';
import { FrameCache, wireOf, withWire } from '../util/wire-form.js';
import type { Container } from '../gen/runtime/v1/Container.js';

const service = criProto().runtime.v1.RuntimeService.service;
const serialize = service.ListContainers.responseSerialize;

function container(i: number, state: Container['state'] = 'CONTAINER_RUNNING'): Container {
  return {
    id: `c${i}`.padEnd(64, '0'),
    pod_sandbox_id: `p${i}`.padEnd(64, '0'),
    metadata: { name: `n${i}`, attempt: i % 3 },
    image: { image: 'busybox', annotations: { a: String(i) }, user_specified_image: 'busybox', runtime_handler: '', image_ref: 'sha256:1' },
    image_ref: 'sha256:1',
    image_id: 'sha256:2',
    state,
    created_at: String(1764355200123456789n + BigInt(i)),
    labels: { app: `x${i}`, tier: 'web' },
    annotations: {},
  };
}

test('frames of cached items are byte for byte the whole response, and decode back', () => {
  const items = Array.from({ length: 25 }, (_, i) => ({ i }));
  const cache = new FrameCache<{ i: number }, number, Container>(
    (k) => container(k.i),
    (c) => serialize({ containers: [c] }),
  );
  const whole = serialize({ containers: items.map((k) => cache.item(k, 0)) });
  const joined = cache.frames(items, () => 0);
  assert.deepEqual(joined, whole);
  const back = service.ListContainers.responseDeserialize(joined) as { containers: { id: string; labels: Record<string, string> }[] };
  assert.equal(back.containers.length, 25);
  assert.equal(back.containers[7]!.id, container(7).id);
  assert.deepEqual(back.containers[7]!.labels, { app: 'x7', tier: 'web' });
  assert.deepEqual(cache.frames([], () => 0), serialize({ containers: [] }));
});

test('an item is converted and encoded once per version', () => {
  let converts = 0;
  let encodes = 0;
  const state = new Map<object, Container['state']>();
  const cache = new FrameCache<object, Container['state'], Container>(
    (k) => {
      converts++;
      return container(1, state.get(k));
    },
    (c) => {
      encodes++;
      return serialize({ containers: [c] });
    },
  );
  const k = {};
  state.set(k, 'CONTAINER_RUNNING');
  const v = (key: object) => state.get(key)!;
  cache.frames([k], v);
  cache.frames([k], v);
  assert.equal(cache.item(k, v(k)).state, 'CONTAINER_RUNNING');
  assert.deepEqual([converts, encodes], [1, 1]);
  state.set(k, 'CONTAINER_EXITED');
  const out = service.ListContainers.responseDeserialize(cache.frames([k], v)) as { containers: { state: string }[] };
  assert.equal(out.containers[0]!.state, 'CONTAINER_EXITED');
  assert.deepEqual([converts, encodes], [2, 2]);
});

test('preferWire serializes with the attached encoding, else as before; the marker is invisible', () => {
  const def = preferWire(service);
  const plain = { containers: [container(1)] };
  assert.deepEqual(def.ListContainers.responseSerialize(plain), serialize(plain));
  let calls = 0;
  const marked = withWire({ containers: [container(2)] }, () => {
    calls++;
    return Buffer.from('prebuilt');
  });
  assert.equal(def.ListContainers.responseSerialize(marked).toString(), 'prebuilt');
  assert.equal(calls, 1);
  assert.deepEqual(Object.keys(marked), ['containers']);
  assert.deepEqual(marked, { containers: [container(2)] });
  assert.equal(wireOf(plain), undefined);
  assert.equal(wireOf(null), undefined);
  // Everything else about the methods is kept.
  assert.equal(def.ListContainers.path, service.ListContainers.path);
  assert.equal(def.Version.responseStream, service.Version.responseStream);
  assert.deepEqual(Object.keys(def).sort(), Object.keys(service).sort());
});
