import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileLocks } from './file-locks.js';
import { tempDir } from '../util/test-temp-dir.js';

test('one holder at a time within a process', async () => {
  const locks = new FileLocks(tempDir('rktlet-lock-'));
  const order: string[] = [];
  const slow = locks.with('p', async () => {
    order.push('a+');
    await new Promise((r) => setTimeout(r, 30));
    order.push('a-');
  });
  const fast = locks.with('p', async () => {
    order.push('b+');
    order.push('b-');
  });
  const other = locks.with('q', async () => order.push('q'));
  await Promise.all([slow, fast, other]);
  assert.deepEqual(order.filter((x) => x !== 'q'), ['a+', 'a-', 'b+', 'b-']);
  assert.ok(!existsSync(join(locks.dir, 'p.lock')));
});

test('a lock file of a live process blocks; one of a dead process is taken over', async () => {
  const dir = tempDir('rktlet-lock-');
  const locks = new FileLocks(dir, 'pod', 150);
  writeFileSync(join(dir, 'p.lock'), '1'); // pid 1 is alive
  await assert.rejects(locks.with('p', async () => undefined), /locked by process 1/);
  const dead = spawnSync('true').pid!; // exited and reaped
  writeFileSync(join(dir, 'p.lock'), String(dead));
  assert.equal(await locks.with('p', async () => 'ran'), 'ran');
});

test('lock files (and link temp files) of dead holders are swept; live holders are left', async () => {
  const dir = tempDir('rktlet-lock-');
  const locks = new FileLocks(dir, 'container', 150);
  const dead = spawnSync('true').pid!;
  writeFileSync(join(dir, 'gone.lock'), String(dead));
  writeFileSync(join(dir, `gone.lock.${dead}.abcd1234`), String(dead));
  writeFileSync(join(dir, 'gone.lock.stale.0badc0de'), String(dead));
  writeFileSync(join(dir, 'live.lock'), '1');
  assert.deepEqual(await locks.deadHolderKeys(), ['gone']);
  assert.equal(existsSync(join(dir, `gone.lock.${dead}.abcd1234`)), false);
  assert.equal(existsSync(join(dir, 'gone.lock.stale.0badc0de')), false);
  assert.equal(await locks.sweepDead(), 1);
  assert.equal(existsSync(join(dir, 'gone.lock')), false);
  assert.equal(existsSync(join(dir, 'live.lock')), true);
});
