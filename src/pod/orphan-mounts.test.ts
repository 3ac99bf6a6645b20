import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweepOrphanMounts } from './orphan-mounts.js';
import { tempDir } from '../util/test-temp-dir.js';

test('what pods without a record left in pinned-ns, netns and <run_root>/pods goes; the rest stays', async () => {
  const base = tempDir('rktlet-orphans-');
  const [pinnedDir, netnsDir, podRunDir] = ['pinned-ns', 'netns', 'pods'].map((d) => join(base, d)) as [string, string, string];
  for (const d of [pinnedDir, netnsDir, podRunDir]) mkdirSync(d);
  const gone = '1'.repeat(64);
  const kept = '2'.repeat(64);
  for (const id of [gone, kept]) {
    writeFileSync(join(pinnedDir, `${id}-ipc`), '');
    writeFileSync(join(pinnedDir, `${id}-uts`), '');
    writeFileSync(join(netnsDir, `pod-${id}`), '');
    mkdirSync(join(podRunDir, id, 'shm'), { recursive: true });
  }
  writeFileSync(join(netnsDir, 'someone-elses'), '');
  const locked: string[] = [];
  const swept = await sweepOrphanMounts({
    pinnedDir,
    netnsDir,
    podRunDir,
    hasRecord: async (id) => id === kept,
    withLock: async (id, fn) => {
      locked.push(id);
      await fn();
    },
  });
  assert.deepEqual(swept, [gone]);
  assert.deepEqual(locked, [gone]);
  for (const p of [join(pinnedDir, `${gone}-ipc`), join(pinnedDir, `${gone}-uts`), join(netnsDir, `pod-${gone}`), join(podRunDir, gone)]) assert.equal(existsSync(p), false, p);
  for (const p of [join(pinnedDir, `${kept}-ipc`), join(netnsDir, `pod-${kept}`), join(podRunDir, kept, 'shm'), join(netnsDir, 'someone-elses')]) assert.equal(existsSync(p), true, p);
});
