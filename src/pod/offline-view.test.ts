import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPods } from './offline-view.js';
import { tempDir } from '../util/test-temp-dir.js';
import type { PodRecord } from './types.js';

const id = (c: string): string => c.repeat(64);

function writePod(root: string, rec: Partial<PodRecord> & { id: string }): string {
  const dir = join(root, 'pods', rec.id);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pod.json');
  const full = { metadata: { name: rec.id.slice(0, 4), uid: 'u', namespace: 'ns', attempt: 0 }, state: 'SANDBOX_READY', createdAtNs: '1', infraPid: 0, infraStartTime: '', exitDir: join(root, 'exits'), netnsPath: '', ...rec };
  writeFileSync(file, JSON.stringify(full));
  return file;
}

test('the offline pod view shows what recovery would find, and writes nothing', async () => {
  const base = tempDir('rktlet-podview-');
  const config = { root: join(base, 'root'), run_root: join(base, 'run') };
  // READY with an infra that is no more (pid 0: never started or gone): NotReady in the view only.
  const dead = writePod(config.root, { id: id('a'), state: 'SANDBOX_READY' });
  const deadText = readFileSync(dead, 'utf8');
  // READY with a live infra: this very process, with its start time.
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
  writePod(config.root, { id: id('b'), state: 'SANDBOX_READY', infraPid: process.pid, infraStartTime: start });
  // A RunPodSandbox at work in another live process (pid 1 holds its lock, no infra yet): unlisted.
  writePod(config.root, { id: id('c'), state: 'SANDBOX_NOTREADY' });
  mkdirSync(join(config.run_root, 'locks', 'pods'), { recursive: true });
  writeFileSync(join(config.run_root, 'locks', 'pods', `${id('c')}.lock`), '1\n');
  // The same with its holder dead: listed (a crashed run, NotReady).
  writePod(config.root, { id: id('d'), state: 'SANDBOX_NOTREADY' });
  writeFileSync(join(config.run_root, 'locks', 'pods', `${id('d')}.lock`), '999999999\n');
  // A directory without a record (a run that died before writing it): skipped, not removed.
  mkdirSync(join(config.root, 'pods', id('e')));

  const pods = await loadPods(config);
  const states = Object.fromEntries(pods.map((p) => [p.id[0], p.state]));
  assert.deepEqual(states, { a: 'SANDBOX_NOTREADY', b: 'SANDBOX_READY', d: 'SANDBOX_NOTREADY' });
  assert.equal(readFileSync(dead, 'utf8'), deadText, 'the record is left for the engine to correct');
});

test('a pods directory the caller may not read is an error, not an empty list', { skip: process.geteuid?.() === 0 && 'root reads anything' }, async () => {
  const base = tempDir('rktlet-podview-');
  mkdirSync(join(base, 'root', 'pods'), { recursive: true, mode: 0o000 });
  await assert.rejects(loadPods({ root: join(base, 'root'), run_root: join(base, 'run') }), /EACCES/);
});
