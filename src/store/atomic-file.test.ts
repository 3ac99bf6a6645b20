import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeJsonAtomic, writeFileAtomic, readJsonIfExists } from './atomic-file.js';
import { ResourceExhaustedError } from '../errors/catalog.js';
import { tempDir } from '../util/test-temp-dir.js';

test('atomic JSON write replaces content and leaves no temp files', async () => {
  const dir = tempDir('rktlet-atomic-');
  const f = join(dir, 'status.json');
  assert.equal(await readJsonIfExists(f), undefined);
  await writeJsonAtomic(f, { state: 'a' });
  await writeJsonAtomic(f, { state: 'b' });
  assert.deepEqual(await readJsonIfExists(f), { state: 'b' });
  assert.deepEqual(readdirSync(dir), ['status.json']);
  assert.equal(statSync(f).mode & 0o777, 0o600);
});

test('a write the disk has no room for fails RESOURCE_EXHAUSTED naming the file, keeps the old content and no temp file', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('mounting a tmpfs needs root');
  const dir = tempDir('rktlet-atomic-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  t.after(() => execFileSync('umount', [dir]));
  const f = join(dir, 'pod.json');
  await writeJsonAtomic(f, { state: 'kept' });
  await assert.rejects(writeFileAtomic(f, Buffer.alloc(256 * 1024, 1)), (err: unknown) => {
    assert.ok(err instanceof ResourceExhaustedError, String(err));
    assert.match(err.message, /cannot write .*pod\.json: no space left on device \(ENOSPC\)/);
    return true;
  });
  assert.deepEqual(await readJsonIfExists(f), { state: 'kept' });
  assert.deepEqual(readdirSync(dir), ['pod.json']);
  // Space is back as soon as the temp file is gone: the next write succeeds.
  await writeJsonAtomic(f, { state: 'new' });
  assert.deepEqual(await readJsonIfExists(f), { state: 'new' });
});

test('temp files of writes killed before their rename are told apart and removed', async () => {
  const { writeFileSync } = await import('node:fs');
  const { isAtomicTemp, hasAtomicTemps, removeAtomicTemps } = await import('./atomic-file.js');
  assert.ok(isAtomicTemp('.pod.json.25445420df85.tmp'));
  assert.ok(!isAtomicTemp('pod.json'));
  assert.ok(!isAtomicTemp('.pod.json.tmp'));
  const dir = tempDir('rktlet-atomic-');
  writeFileSync(join(dir, 'pod.json'), '{}');
  assert.equal(await hasAtomicTemps(dir), false);
  writeFileSync(join(dir, '.pod.json.0123456789ab.tmp'), '{');
  assert.equal(await hasAtomicTemps(dir), true);
  assert.equal(await removeAtomicTemps(dir), 1);
  assert.deepEqual(readdirSync(dir), ['pod.json']);
});
