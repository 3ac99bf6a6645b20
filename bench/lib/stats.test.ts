import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, summarize, ratio, formatRatio, formatValue } from './stats.js';

test('median of odd and even counts, order-independent', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
});

test('p95 is nearest rank: a measured sample', () => {
  const xs = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
  assert.equal(percentile(xs, 95), 19);
  assert.equal(percentile(xs, 100), 20);
  assert.equal(percentile([3, 1, 2], 95), 3);
  assert.equal(percentile([10], 95), 10);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => 100 - i), 95), 95);
});

test('summarize reports n, median, p95, min, max', () => {
  assert.deepEqual(summarize([4, 2, 8, 6]), { n: 4, median: 5, p95: 8, p99: 8, min: 2, max: 8 });
});

test('no samples or bad samples are errors, not NaN', () => {
  assert.throws(() => median([]), RangeError);
  assert.throws(() => summarize([1, Number.NaN]), RangeError);
  assert.throws(() => percentile([1], 0), RangeError);
});

test('ratio is rktlet over containerd, undefined when a side is missing', () => {
  assert.equal(ratio(50, 100), 0.5);
  assert.equal(ratio(undefined, 100), undefined);
  assert.equal(ratio(5, undefined), undefined);
  assert.equal(ratio(5, 0), undefined);
});

test('ratio and value formatting', () => {
  assert.equal(formatRatio(0.4567), '0.46×');
  assert.equal(formatRatio(1), '1.00×');
  assert.equal(formatRatio(12.345), '12.3×');
  assert.equal(formatRatio(undefined), 'n/a');
  assert.equal(formatValue(0.8412, 'ms'), '0.84 ms');
  assert.equal(formatValue(12.34, 'ms'), '12.3 ms');
  assert.equal(formatValue(1234.4, 'ms'), '1234 ms');
  assert.equal(formatValue(undefined, 'MiB'), 'n/a');
});
