import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SingleFlight } from './single-flight.js';

/** Work that runs until its signal aborts or `finish` is called. */
function controllable() {
  let finish!: (v: string) => void;
  let aborted = false;
  let runs = 0;
  const work = (signal: AbortSignal) => {
    runs++;
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      signal.addEventListener('abort', () => {
        aborted = true;
        reject(new Error('aborted'));
      });
    });
  };
  return { work, finish: (v: string) => finish(v), aborted: () => aborted, runs: () => runs };
}

test('callers share one run; one giving up leaves it running for the others', async () => {
  const sf = new SingleFlight<string>();
  const c = controllable();
  const a = new AbortController();
  const pa = sf.run('k', c.work, a.signal);
  const pb = sf.run('k', c.work, new AbortController().signal);
  a.abort();
  await assert.rejects(pa, { code: 'CANCELLED' });
  assert.equal(c.aborted(), false);
  c.finish('done');
  assert.equal(await pb, 'done');
  assert.equal(c.runs(), 1);
  assert.equal(sf.has('k'), false);
});

test('the last caller to give up cancels the run and waits for it to unwind', async () => {
  const sf = new SingleFlight<string>();
  const c = controllable();
  const a = new AbortController();
  const b = new AbortController();
  const pa = sf.run('k', c.work, a.signal);
  const pb = sf.run('k', c.work, b.signal);
  a.abort();
  b.abort();
  await assert.rejects(pa, { code: 'CANCELLED' });
  await assert.rejects(pb, { code: 'CANCELLED' });
  assert.equal(c.aborted(), true);
  // A new caller starts afresh.
  const c2 = controllable();
  const p = sf.run('k', c2.work);
  c2.finish('again');
  assert.equal(await p, 'again');
});

test('a caller without a signal keeps the run alive', async () => {
  const sf = new SingleFlight<string>();
  const c = controllable();
  const a = new AbortController();
  const pa = sf.run('k', c.work, a.signal);
  const pb = sf.run('k', c.work);
  a.abort();
  await assert.rejects(pa);
  assert.equal(c.aborted(), false);
  c.finish('ok');
  assert.equal(await pb, 'ok');
});
