import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isContainerProcess, processStartMs } from './process-identity.js';
import { nowNs } from '../util/time.js';

const stat = (state: string, ticks: number) => `123 (sh (x)) ${state} 1 123 123 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 ${ticks} 1000 100`;

test('start time from /proc/<pid>/stat: boot time plus ticks; zombies have none', () => {
  assert.equal(processStartMs(stat('S', 250), 1_000_000), 1_002_500);
  assert.equal(processStartMs(stat('Z', 250), 1_000_000), undefined);
});

test('our own process is a container process of a record created before it, not after', async () => {
  assert.equal(await isContainerProcess(process.pid, '0'), true);
  assert.equal(await isContainerProcess(process.pid, (nowNs() + 60_000_000_000n).toString()), false);
  assert.equal(await isContainerProcess(0, '0'), false);
  assert.equal(await isContainerProcess(2 ** 22 + 1, '0'), false); // beyond pid_max: no such process
});
