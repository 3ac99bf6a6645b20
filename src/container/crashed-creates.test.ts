import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedLock } from './keyed-lock.js';
import { sweepCrashedCreates } from './crashed-creates.js';
import type { Snapshotter } from '../snapshot/types.js';
import { tempDir } from '../util/test-temp-dir.js';

test('crashed creates (a layer without a record, an incomplete record) are swept; complete, busy and pod ones stay', async () => {
  const base = tempDir('rktlet-crashed-');
  const dir = join(base, 'containers');
  const lockDir = join(base, 'locks');
  mkdirSync(lockDir, { recursive: true });
  const [done, half, layerOnly, busy, pod] = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64)) as [string, string, string, string, string];
  for (const id of [done, half, busy]) mkdirSync(join(dir, id), { recursive: true });
  for (const f of ['meta.json', 'status.json', '.status.json.0123456789ab.tmp']) writeFileSync(join(dir, done, f), '{}');
  writeFileSync(join(dir, half, 'meta.json'), '{}');
  writeFileSync(join(dir, busy, 'meta.json'), '{}');
  writeFileSync(join(lockDir, `${busy}.lock`), '1'); // a live process (pid 1) is creating it
  const removed: string[] = [];
  const snapshots = {
    activeKeys: async () => [done, half, layerOnly, busy, pod],
    remove: async (k: string) => void removed.push(k),
  } as unknown as Snapshotter;
  const swept = await sweepCrashedCreates({ containersDir: dir, snapshots, lock: new KeyedLock(lockDir), isPod: (id) => id === pod });
  assert.deepEqual(swept.sort(), [half, layerOnly].sort());
  assert.deepEqual(removed.sort(), [half, layerOnly].sort());
  assert.equal(existsSync(join(dir, half)), false);
  assert.deepEqual(readdirSync(join(dir, done)).sort(), ['meta.json', 'status.json']);
  assert.equal(existsSync(join(dir, busy, 'meta.json')), true);
  assert.deepEqual(readdirSync(lockDir), [`${busy}.lock`]);
});
