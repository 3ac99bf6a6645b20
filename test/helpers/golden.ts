// Golden files: compares a value with test/golden/<name>.json; UPDATE_GOLDEN=1 rewrites the file.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { packageRoot } from '../../src/util/package-info.js';

export function assertGolden(name: string, value: unknown): void {
  const file = join(packageRoot, 'test', 'golden', `${name}.json`);
  const text = JSON.stringify(value, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing: run with UPDATE_GOLDEN=1`);
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, 'utf8')), `differs from ${file}`);
}
