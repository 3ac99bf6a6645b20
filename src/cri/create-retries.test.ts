import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../log/logger.js';
import { AlreadyExistsError, CancelledError } from '../errors/catalog.js';
import { CreateRetries, fingerprint, type CreateCall } from './create-retries.js';

/** A fake create: the name is reserved by the first object made, as the real reservation does. */
function world() {
  const objects = new Set<string>();
  let made = 0;
  let reservedBy: string | undefined;
  const discarded: string[] = [];
  const call = (signal: AbortSignal, request: unknown = { name: 'a', config: { x: 1 } }, delayMs = 0): CreateCall => ({
    key: 'pod a',
    request,
    signal,
    create: async () => {
      if (reservedBy) throw new AlreadyExistsError(`reserved by ${reservedBy}`);
      const id = `id${++made}`;
      reservedBy = id;
      await sleep(delayMs);
      objects.add(id);
      return id;
    },
    exists: (id) => objects.has(id),
    discard: async (id) => {
      discarded.push(id);
      objects.delete(id);
      reservedBy = undefined;
    },
  });
  return { call, objects, discarded, made: () => made };
}

const aborted = (): AbortSignal => AbortSignal.abort();
const live = (): AbortSignal => new AbortController().signal;

test('the fingerprint ignores the order of map keys, not their values', () => {
  assert.equal(fingerprint({ labels: { a: '1', b: '2' }, n: 1 }), fingerprint({ n: 1, labels: { b: '2', a: '1' } }));
  assert.notEqual(fingerprint({ labels: { a: '1' } }), fingerprint({ labels: { a: '2' } }));
  assert.equal(fingerprint({ v: Buffer.from('x') }), fingerprint({ v: new Uint8Array([120]) }));
});

test('a client that gave up: its object is kept, unlisted, and the identical retry gets it', async () => {
  const w = world();
  const r = new CreateRetries(60_000, silentLogger());
  await assert.rejects(r.run(w.call(aborted())), CancelledError);
  assert.equal(r.holds('id1'), true);
  assert.equal(await r.run(w.call(live(), { config: { x: 1 }, name: 'a' })), 'id1');
  assert.equal(r.holds('id1'), false, 'claimed: listed again');
  assert.equal(w.made(), 1);
  // Handed over once: a further identical call is a duplicate.
  await assert.rejects(r.run(w.call(live())), AlreadyExistsError);
});

test('a retry that is not identical goes the normal way (ALREADY_EXISTS) and leaves the kept one', async () => {
  const w = world();
  const r = new CreateRetries(60_000, silentLogger());
  await assert.rejects(r.run(w.call(aborted())), CancelledError);
  await assert.rejects(r.run(w.call(live(), { name: 'a', config: { x: 2 } })), AlreadyExistsError);
  assert.equal(await r.run(w.call(live())), 'id1');
});

test('a retry while the first runs waits for it, and gets it when the first client had gone', async () => {
  const w = world();
  const r = new CreateRetries(60_000, silentLogger());
  const first = new AbortController();
  const p1 = r.run(w.call(first.signal, undefined, 200));
  await sleep(20);
  first.abort();
  const t = Date.now();
  assert.equal(await r.run(w.call(live())), 'id1');
  assert.ok(Date.now() - t >= 100, 'waited for the first');
  await assert.rejects(p1, CancelledError);
  assert.equal(w.made(), 1);
});

test('a retry while the first runs, whose client stays: the first gets it, the retry ALREADY_EXISTS', async () => {
  const w = world();
  const r = new CreateRetries(60_000, silentLogger());
  const p1 = r.run(w.call(live(), undefined, 100));
  await sleep(10);
  const p2 = r.run(w.call(live()));
  assert.equal(await p1, 'id1');
  await assert.rejects(p2, AlreadyExistsError);
});

test('a waiting retry bounded by its own deadline; the object stays for the next one', async () => {
  const w = world();
  const r = new CreateRetries(60_000, silentLogger());
  const p1 = r.run(w.call(AbortSignal.timeout(10), undefined, 150));
  await sleep(20);
  const t = Date.now();
  await assert.rejects(r.run(w.call(AbortSignal.timeout(30))), CancelledError);
  assert.ok(Date.now() - t < 120);
  await assert.rejects(p1, CancelledError);
  assert.equal(await r.run(w.call(live())), 'id1');
});

test('an object no retry claims is removed after the keep time; one removed meanwhile is not handed out', async () => {
  const w = world();
  const r = new CreateRetries(50, silentLogger());
  await assert.rejects(r.run(w.call(aborted())), CancelledError);
  await sleep(120);
  assert.deepEqual(w.discarded, ['id1']);
  assert.equal(r.holds('id1'), false);
  assert.equal(await r.run(w.call(live())), 'id2', 'a later call makes a new one');

  const w2 = world();
  const r2 = new CreateRetries(60_000, silentLogger());
  await assert.rejects(r2.run(w2.call(aborted())), CancelledError);
  await w2.call(live()).discard('id1'); // removed by id by someone else
  assert.equal(await r2.run(w2.call(live())), 'id2');
});

test('a failed first call keeps nothing: the retry runs itself', async () => {
  const r = new CreateRetries(60_000, silentLogger());
  let n = 0;
  const c = (signal: AbortSignal): CreateCall => ({
    key: 'k',
    request: {},
    signal,
    create: async () => {
      n++;
      await sleep(30);
      if (n === 1) throw new Error('boom');
      return 'ok';
    },
    exists: () => true,
    discard: async () => undefined,
  });
  const p1 = r.run(c(aborted()));
  const p2 = r.run(c(live()));
  await assert.rejects(p1, /boom/);
  assert.equal(await p2, 'ok');
});
