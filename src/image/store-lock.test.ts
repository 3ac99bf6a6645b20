import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreLock } from './store-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'rktlet-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('holders run one at a time and the file goes when done', async () => {
  const lock = new StoreLock(join(dir, 'a.lock'));
  let inside = 0;
  let max = 0;
  await Promise.all(
    [1, 2, 3].map(() =>
      lock.with(async () => {
        inside++;
        max = Math.max(max, inside);
        await sleep(5);
        inside--;
      }),
    ),
  );
  assert.equal(max, 1);
  assert.equal(existsSync(join(dir, 'a.lock')), false);
});

test('a lock file left by a dead process is taken over; a live holder times out', async () => {
  writeFileSync(join(dir, 'b.lock'), '999999999');
  assert.equal(await new StoreLock(join(dir, 'b.lock')).with(async () => 'ok'), 'ok');
  writeFileSync(join(dir, 'c.lock'), '1'); // pid 1 is alive
  await assert.rejects(new StoreLock(join(dir, 'c.lock'), 100).with(async () => 'never'), { code: 'UNAVAILABLE' });
});
