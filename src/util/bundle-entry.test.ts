import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, utimesSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleIsCurrent, entryPoint, BUNDLE, BUNDLE_INPUTS, MODULES_ENTRY } from './bundle-entry.js';

function tree(): { root: string; touch: (f: string, s: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'rktlet-bundle-'));
  mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
  const touch = (f: string, s: number) => {
    writeFileSync(join(root, f), '');
    utimesSync(join(root, f), s, s);
  };
  return { root, touch };
}

test('the bundle runs only while it is newer than every input it was made from', () => {
  const { root, touch } = tree();
  try {
    touch(MODULES_ENTRY, 1000);
    touch('dist/src/cli/serve.js', 1000);
    assert.equal(entryPoint(root), MODULES_ENTRY, 'no bundle yet');
    touch(BUNDLE, 2000);
    assert.equal(bundleIsCurrent(root), false, 'no inputs list');
    writeFileSync(join(root, BUNDLE_INPUTS), JSON.stringify([MODULES_ENTRY, 'dist/src/cli/serve.js']));
    assert.equal(entryPoint(root), BUNDLE);
    touch('dist/src/cli/serve.js', 3000); // recompiled after the bundle
    assert.equal(entryPoint(root), MODULES_ENTRY);
    touch(BUNDLE, 4000);
    assert.equal(entryPoint(root), BUNDLE);
    rmSync(join(root, 'dist/src/cli/serve.js'));
    assert.equal(entryPoint(root), MODULES_ENTRY, 'an input is gone');
    writeFileSync(join(root, BUNDLE_INPUTS), '[]');
    assert.equal(bundleIsCurrent(root), false, 'an empty list proves nothing');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
