import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachLimit } from './each-limit.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

test('eachLimit visits every item once with at most `limit` in flight', async () => {
  const items = Array.from({ length: 25 }, (_, i) => i);
  const seen: number[] = [];
  let inFlight = 0;
  let peak = 0;
  await eachLimit(items, 4, async (x, i) => {
    assert.equal(x, i);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await tick();
    seen.push(x);
    inFlight--;
  });
  assert.deepEqual([...seen].sort((a, b) => a - b), items);
  assert.equal(peak, 4);
});

test('eachLimit rethrows the first failure only after the other items settled', async () => {
  const done: number[] = [];
  await assert.rejects(
    eachLimit([1, 2, 3, 4, 5], 2, async (x) => {
      await tick();
      if (x === 2) throw new Error('two');
      if (x === 4) throw new Error('four');
      done.push(x);
    }),
    /two/,
  );
  assert.deepEqual(done.sort(), [1, 3, 5]);
});

test('eachLimit with no items, or a limit below one, still works', async () => {
  await eachLimit([], 8, async () => assert.fail('not called'));
  const seen: string[] = [];
  await eachLimit(['a', 'b'], 0, async (x) => void seen.push(x));
  assert.deepEqual(seen, ['a', 'b']);
});
