import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type ContainerEvent } from '../events/bus.js';
import { silentLogger } from '../log/logger.js';
import type { Engine } from '../engine.js';
import type { CallContext, RuntimeRes } from './handler.js';
import { EventQueue, QUEUE_CAPACITY, closeEventStreams, getContainerEvents, subscriberCount } from './container-events-get.js';
import { ResourceExhaustedError } from '../errors/catalog.js';

type Res = RuntimeRes<'GetContainerEvents'>;

function fakeCtx(engine: Engine, ac = new AbortController()): CallContext {
  return { engine, log: silentLogger(), signal: ac.signal, rpc: 'GetContainerEvents' };
}

const ev = (n: number, type: ContainerEvent['type'] = 'CONTAINER_STARTED_EVENT'): ContainerEvent => ({
  type,
  containerId: `c${n}`,
  podSandboxId: '',
  createdAtNs: String(1000 + n),
});

test('EventQueue: FIFO, waiting reader, close drains, overflow closes and drops', async () => {
  const q = new EventQueue<number>(2);
  const waiting = q.next();
  assert.equal(q.push(1), true);
  assert.equal(await waiting, 1);
  q.push(2);
  q.push(3);
  assert.equal(q.push(4), false); // third queued item: over capacity
  assert.equal(q.overflowed, true);
  assert.equal(await q.next(), undefined);
  const r = new EventQueue<number>(5);
  r.push(1);
  r.close();
  assert.equal(await r.next(), 1);
  assert.equal(await r.next(), undefined);
  assert.equal(r.push(2), false);
});

test('several subscribers each get every event in order; closing ends the streams', async () => {
  const engine = { events: new EventBus() } as unknown as Engine;
  const got: Res[][] = [[], []];
  const streams = got.map((list) =>
    getContainerEvents(fakeCtx(engine), {}, async (r) => {
      list.push(r);
    }),
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(subscriberCount(engine), 2);
  engine.events.publish(ev(1, 'CONTAINER_CREATED_EVENT'));
  engine.events.publish(ev(2, 'CONTAINER_STARTED_EVENT'));
  engine.events.publish(ev(3, 'CONTAINER_STOPPED_EVENT'));
  while (got.some((l) => l.length < 3)) await new Promise((r) => setTimeout(r, 5));
  for (const l of got) {
    assert.deepEqual(l.map((r) => [r.container_id, r.container_event_type, r.created_at]), [
      ['c1', 'CONTAINER_CREATED_EVENT', '1001'],
      ['c2', 'CONTAINER_STARTED_EVENT', '1002'],
      ['c3', 'CONTAINER_STOPPED_EVENT', '1003'],
    ]);
    assert.deepEqual(l[0]!.containers_statuses, []);
  }
  closeEventStreams(engine);
  await Promise.all(streams);
  assert.equal(subscriberCount(engine), 0);
});

test('a subscriber that stops reading never blocks publishers or others, and is closed with RESOURCE_EXHAUSTED', async () => {
  const engine = { events: new EventBus() } as unknown as Engine;
  const stuck = getContainerEvents(fakeCtx(engine), {}, () => new Promise<void>(() => undefined));
  let fast = 0;
  const quick = getContainerEvents(fakeCtx(engine), {}, async () => {
    fast++;
  });
  await new Promise((r) => setImmediate(r));
  const rejected = assert.rejects(stuck, (e) => e instanceof ResourceExhaustedError && /fell more than/.test(e.message));
  const n = QUEUE_CAPACITY + 100;
  for (let i = 0; i < n; i++) {
    engine.events.publish(ev(i)); // synchronous: nothing waits for any subscriber
    // In batches, letting the reading subscriber catch up, while the stuck one falls behind.
    if (i % 50 === 49) while (fast < i + 1) await new Promise((r) => setImmediate(r));
  }
  await rejected;
  while (fast < n) await new Promise((r) => setTimeout(r, 5));
  assert.equal(subscriberCount(engine), 1);
  closeEventStreams(engine);
  await quick;
});

test('a cancelled call ends its stream even while a send is blocked', async () => {
  const engine = { events: new EventBus() } as unknown as Engine;
  const ac = new AbortController();
  const s = getContainerEvents(fakeCtx(engine, ac), {}, () => new Promise<void>(() => undefined));
  await new Promise((r) => setImmediate(r));
  engine.events.publish(ev(1));
  await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await s;
  assert.equal(subscriberCount(engine), 0);
});

test('a stream whose handler starts after shutdown began ends at once (it would hold the grace period)', async () => {
  const engine = { events: new EventBus() } as unknown as Engine;
  closeEventStreams(engine);
  const sent: Res[] = [];
  const late = getContainerEvents(fakeCtx(engine), {}, async (r) => {
    sent.push(r);
  });
  const outcome = await Promise.race([late.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still open'), 200))]);
  assert.equal(outcome, 'ended');
  assert.equal(subscriberCount(engine), 0);
  assert.deepEqual(sent, []);
});
