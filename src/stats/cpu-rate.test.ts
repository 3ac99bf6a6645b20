import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuRateTracker } from './cpu-rate.js';

const S = 1_000_000_000n;

test('rate over the last interval, in nano-cores', () => {
  const t = new CpuRateTracker();
  assert.equal(t.update('c', 10n * S, 0n), 0n); // first sample: no interval yet
  assert.equal(t.update('c', 12n * S, S), S / 2n); // 1 s of CPU in 2 s: half a core
  assert.equal(t.update('c', 13n * S, 3n * S), 2n * S); // two cores busy
  assert.equal(t.size, 1);
});

test('samples too close keep the baseline and the last rate', () => {
  const t = new CpuRateTracker(S);
  t.update('c', 0n, 0n);
  assert.equal(t.update('c', 2n * S, S), S / 2n);
  assert.equal(t.update('c', 2n * S + 1000n, 5n * S), S / 2n);
  // Measured from the kept baseline (2 s, 1 s of CPU).
  assert.equal(t.update('c', 4n * S, 3n * S), S);
});

test('a counter that goes back restarts the baseline; forget and retain prune', () => {
  const t = new CpuRateTracker();
  t.update('a', 0n, 10n * S);
  assert.equal(t.update('a', 5n * S, S), 0n);
  assert.equal(t.update('a', 6n * S, 2n * S), S);
  t.update('b', 0n, 0n);
  t.retain(['b']);
  assert.equal(t.size, 1);
  t.forget('b');
  assert.equal(t.size, 0);
});
