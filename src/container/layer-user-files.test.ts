import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userFilesFromLayers } from './layer-user-files.js';

function layers(n: number): { dir: string; l: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'layer-users-'));
  const l = Array.from({ length: n }, (_, i) => join(dir, `l${i}`));
  for (const d of l) mkdirSync(d);
  return { dir, l };
}

function etc(layer: string, files: Record<string, string>): void {
  mkdirSync(join(layer, 'etc'), { recursive: true });
  for (const [n, t] of Object.entries(files)) writeFileSync(join(layer, 'etc', n), t);
}

test('the topmost layer with the file wins; layers without etc are skipped; a fresh upper layer is empty', async () => {
  const { dir, l } = layers(4);
  try {
    const [upper, top, mid, base] = l as [string, string, string, string];
    etc(base, { passwd: 'root:x:0:0::/:/bin/sh\n', group: 'root:x:0:\n' });
    etc(mid, { passwd: 'app:x:5:5::/:/bin/sh\n', group: 'app:x:5:\n' });
    writeFileSync(join(top, 'unrelated'), 'x');
    const m = { target: '', lowerDirs: [top, mid, base], upperDir: upper, workDir: '' };
    assert.deepEqual(await userFilesFromLayers(m), { passwd: 'app:x:5:5::/:/bin/sh\n', group: 'app:x:5:\n' });
    // No layer has them at all: absent.
    assert.deepEqual(await userFilesFromLayers({ ...m, lowerDirs: [top] }), { passwd: '', group: '' });
    // No layers (an empty image): not answered here.
    assert.equal(await userFilesFromLayers({ ...m, lowerDirs: [] }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('whiteouts remove the file; unclear layers (etc without the file, symlinks, etc not a directory) are left to the mount', async () => {
  const { dir, l } = layers(3);
  try {
    const [top, mid, base] = l as [string, string, string];
    etc(base, { passwd: 'root:x:0:0::/:/bin/sh\n', group: 'root:x:0:\n' });
    const m = { target: '', lowerDirs: [top, mid, base], upperDir: '', workDir: '' };
    // mid: passwd whited out (0/0 character device), group kept from below.
    mkdirSync(join(mid, 'etc'));
    execFileSync('mknod', [join(mid, 'etc', 'passwd'), 'c', '0', '0']);
    etc(mid, { group: 'g:x:9:\n' });
    assert.deepEqual(await userFilesFromLayers(m), { passwd: '', group: 'g:x:9:\n' });
    // top: an etc/ without group (it may be opaque): unclear.
    etc(top, { passwd: 'p:x:1:1::/:/bin/sh\n' });
    assert.equal(await userFilesFromLayers(m), undefined);
    // A symlinked file is never followed.
    symlinkSync('/etc/group', join(top, 'etc', 'group'));
    assert.equal(await userFilesFromLayers(m), undefined);
    // etc itself a symlink.
    rmSync(join(top, 'etc'), { recursive: true });
    symlinkSync('/etc', join(top, 'etc'));
    assert.equal(await userFilesFromLayers(m), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
