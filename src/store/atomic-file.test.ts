import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic, readJsonIfExists } from './atomic-file.js';
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
