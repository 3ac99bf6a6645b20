import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { infraAlive, parseStartTime, processStartTime } from './infra-liveness.js';
import { tempDir } from '../util/test-temp-dir.js';

test('start time from /proc/<pid>/stat, even with spaces and parentheses in the name', () => {
  const stat = '1234 (we ird) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10';
  assert.equal(parseStartTime(stat), '987654');
});

test('a live process with its recorded start time is alive; another start time is not; without one, an exit file decides', async () => {
  const start = (await processStartTime(process.pid))!;
  assert.ok(start);
  const dir = tempDir('rktlet-live-');
  assert.equal(await infraAlive(process.pid, start, dir, 'x'), true);
  assert.equal(await infraAlive(process.pid, '1', dir, 'x'), false);
  assert.equal(await infraAlive(0, '', dir, 'x'), false);
  assert.equal(await infraAlive(process.pid, '', dir, 'x'), true);
  writeFileSync(join(dir, 'x'), '0');
  assert.equal(await infraAlive(process.pid, '', dir, 'x'), false);
});
