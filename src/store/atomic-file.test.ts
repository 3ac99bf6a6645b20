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
