import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PodNames } from './names.js';
import { tempDir } from '../util/test-temp-dir.js';

test('pod names: reserved, refused naming the holder, stale ones taken over, released by the holder only', async () => {
  const dir = tempDir('rktlet-names-');
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

test('sweep drops the names of pods that no longer exist and dead writers temp files; live ones stay', async () => {
  const dir = tempDir('rktlet-names-'); // removed when the test process exits
  const names = new PodNames(dir, async (id) => id === 'live');
  writeFileSync(join(dir, 'a_ns_u_0'), 'live');
  writeFileSync(join(dir, 'b_ns_u_0'), 'gone');
  const dead = spawnSync('true').pid!;
  writeFileSync(join(dir, `c_ns_u_0.${dead}.0badc0de`), 'x');
  assert.equal(await names.sweep(), 1);
  assert.deepEqual(readdirSync(dir), ['a_ns_u_0']);
});
