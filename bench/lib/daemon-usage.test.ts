import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpuMs, parseLoopDelay, promValue } from './daemon-usage.js';

test('parseCpuMs adds utime and stime, also when comm holds spaces and parentheses', () => {
  const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 9 20 0 11 0 123 0 0';
  assert.equal(parseCpuMs(stat), 3000);
});

test('promValue reads a gauge with or without labels', () => {
  const text = '# HELP x y\nnodejs_eventloop_lag_p99_seconds 0.025\nfoo{a="b"} 3\n';
  assert.equal(promValue(text, 'nodejs_eventloop_lag_p99_seconds'), 0.025);
  assert.equal(promValue(text, 'foo'), 3);
  assert.equal(promValue(text, 'bar'), undefined);
});

test('parseLoopDelay takes off the 10 ms sampling interval, never below zero', () => {
  const text = ['nodejs_eventloop_lag_p50_seconds 0.0101', 'nodejs_eventloop_lag_p99_seconds 0.05', 'nodejs_eventloop_lag_max_seconds 0.009'].join('\n');
  const d = parseLoopDelay(text);
  assert.ok(d);
  assert.ok(Math.abs(d.p50 - 0.1) < 1e-9);
  assert.ok(Math.abs(d.p99 - 40) < 1e-9);
  assert.equal(d.max, 0);
  assert.equal(parseLoopDelay('nothing 1'), undefined);
});
