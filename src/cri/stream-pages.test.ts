import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendPages } from './stream-pages.js';

async function collect(items: number[], size: number, abortAfterFirst = false): Promise<number[][]> {
  const sent: number[][] = [];
  const ac = new AbortController();
  await sendPages(items, size, ac.signal, async (p) => p, async (r) => {
    sent.push(r);
    if (abortAfterFirst) ac.abort();
  });
  return sent;
}

test('pages of the given size, one empty page for an empty list, none after cancel', async () => {
  assert.deepEqual(await collect([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(await collect([], 2), [[]]);
  assert.deepEqual(await collect([1, 2, 3], 1, true), [[1]]);
});
