import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PodLocks } from './pod-lock.js';
import { PodNames } from './names.js';

test('one holder at a time within a process', async () => {
  const locks = new PodLocks(mkdtempSync(join(tmpdir(), 'rktlet-lock-')));
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
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-lock-'));
  const locks = new PodLocks(dir, 150);
  writeFileSync(join(dir, 'p.lock'), '1'); // pid 1 is alive
  await assert.rejects(locks.with('p', async () => undefined), /locked by process 1/);
  const dead = spawnSync('true').pid!; // exited and reaped
  writeFileSync(join(dir, 'p.lock'), String(dead));
  assert.equal(await locks.with('p', async () => 'ran'), 'ran');
});

test('pod names: reserved, refused naming the holder, stale ones taken over, released by the holder only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-names-'));
  const live = new Set<string>(['pod1']);
  const names = new PodNames(dir, async (id) => live.has(id));
  await names.reserve('a_ns_u_0', 'pod1');
  await assert.rejects(names.reserve('a_ns_u_0', 'pod2'), /reserved by pod pod1/);
  await names.release('a_ns_u_0', 'pod2'); // not the holder: no effect
  await assert.rejects(names.reserve('a_ns_u_0', 'pod2'), /pod1/);
  live.delete('pod1'); // the holder vanished (e.g. removed by hand)
  await names.reserve('a_ns_u_0', 'pod2');
  await names.release('a_ns_u_0', 'pod2');
  await names.reserve('a_ns_u_0', 'pod3');
  await names.ensure('a_ns_u_0', 'pod3');
  mkdirSync(join(dir, 'x'), { recursive: true });
  await names.reserve('odd/name with space', 'pod4'); // names become safe file names
});
