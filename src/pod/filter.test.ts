import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterPods, findByIdOrPrefix } from './filter.js';
import type { PodRecord } from './types.js';

function pod(id: string, createdAtNs: string, state: PodRecord['state'] = 'SANDBOX_READY', labels: Record<string, string> = {}): PodRecord {
  return { id, createdAtNs, state, config: { labels } } as unknown as PodRecord;
}

test('filterPods lists oldest first by the decimal creation time', () => {
  const pods = [pod('c', '1764355200000000010'), pod('a', '999999999999999999'), pod('b', '1764355200000000009')];
  assert.deepEqual(
    filterPods(pods, null).map((p) => p.id),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    pods.map((p) => p.id),
    ['c', 'a', 'b'],
    'the input is not reordered',
  );
  assert.deepEqual(
    filterPods(new Set(pods), null).map((p) => p.id),
    ['a', 'b', 'c'],
  );
});

test('filterPods by id prefix, state and labels', () => {
  const pods = [pod('abc1', '3', 'SANDBOX_READY', { app: 'x' }), pod('abd2', '2', 'SANDBOX_NOTREADY', { app: 'x' }), pod('zz', '1', 'SANDBOX_READY', { app: 'y' })];
  const f = (o: Record<string, unknown>) => o as unknown as Parameters<typeof filterPods>[1];
  assert.deepEqual(
    filterPods(pods, f({ id: 'abc', state: null, label_selector: {} })).map((p) => p.id),
    ['abc1'],
  );
  assert.deepEqual(filterPods(pods, f({ id: 'ab', state: null, label_selector: {} })), [], 'ambiguous prefix');
  assert.deepEqual(
    filterPods(pods, f({ id: '', state: { state: 'SANDBOX_READY' }, label_selector: { app: 'x' } })).map((p) => p.id),
    ['abc1'],
  );
  assert.deepEqual(
    filterPods(pods, f({ id: '', state: null, label_selector: { app: 'x' } })).map((p) => p.id),
    ['abd2', 'abc1'],
  );
  assert.equal(findByIdOrPrefix(pods, 'zz')?.id, 'zz');
});
