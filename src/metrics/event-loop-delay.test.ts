import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { startEventLoopDelay } from './event-loop-delay.js';

function bucket(text: string, le: string): number {
  const m = new RegExp(`^rktlet_event_loop_delay_seconds_bucket\\{le="${le}"\\} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `no bucket le=${le} in:\n${text}`);
  return Number(m[1]);
}

test('a synchronous stall of the event loop shows in the delay histogram', async () => {
  const registry = new Registry();
  const sampler = startEventLoopDelay(registry, 10);
  try {
    await sleep(100);
    const before = await registry.metrics();
    const slowBefore = Number(/_count (\d+)/.exec(before)?.[1]) - bucket(before, '0.1');
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // hold the loop for 300 ms, as a synchronous walk or a big JSON.parse would
    }
    await sleep(50);
    const after = await registry.metrics();
    const slowAfter = Number(/_count (\d+)/.exec(after)?.[1]) - bucket(after, '0.1');
    assert.ok(slowAfter > slowBefore, `a 300 ms stall was not recorded above 100 ms:\n${after}`);
    assert.ok(bucket(after, '0.001') + bucket(after, '0.25') > 0);
  } finally {
    sampler.stop();
  }
});
