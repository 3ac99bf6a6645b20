import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings, SCENARIOS } from './settings.js';

test('full run by default, quick run with BENCH_QUICK=1', () => {
  const full = loadSettings({});
  assert.equal(full.quick, false);
  assert.equal(full.concurrentPods, 50);
  assert.equal(full.loadedPods, 100);
  assert.equal(full.imageMiB, 100);
  assert.deepEqual(full.scenarios, [...SCENARIOS]);
  assert.deepEqual(full.runtimes, ['containerd', 'rktlet']);
  const quick = loadSettings({ BENCH_QUICK: '1' });
  assert.equal(quick.quick, true);
  assert.ok(quick.lifecycleRounds < full.lifecycleRounds);
});

test('overrides and their validation', () => {
  const s = loadSettings({ BENCH_QUICK: '1', BENCH_LOADED_PODS: '7', BENCH_SCENARIOS: 'lifecycle, pull', BENCH_RUNTIMES: 'containerd' });
  assert.equal(s.loadedPods, 7);
  assert.deepEqual(s.scenarios, ['lifecycle', 'pull']);
  assert.deepEqual(s.runtimes, ['containerd']);
  assert.throws(() => loadSettings({ BENCH_LOADED_PODS: '0' }), /BENCH_LOADED_PODS/);
  assert.throws(() => loadSettings({ BENCH_LIFECYCLE_ROUNDS: 'x' }), /BENCH_LIFECYCLE_ROUNDS/);
  assert.throws(() => loadSettings({ BENCH_SCENARIOS: 'nope' }), /unknown "nope"/);
});
