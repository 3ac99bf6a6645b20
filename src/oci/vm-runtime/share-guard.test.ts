import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPlainDirs, readGuestFile } from './share-guard.js';

const base = mkdtempSync(join(tmpdir(), 'rktlet-share-guard-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('a share path whose directories the guest replaced with symlinks is refused; plain or missing ones pass', async () => {
  const share = join(base, 'share');
  mkdirSync(join(share, 'c', 'a'), { recursive: true });
  await assertPlainDirs(share, join(share, 'c', 'a', 'rootfs'));
  await assertPlainDirs(share, join(share, 'x', 'new'));
  symlinkSync('/etc', join(share, 'x'));
  await assert.rejects(assertPlainDirs(share, join(share, 'x', 'e1')), /share's .*\/x is not a directory/);
  symlinkSync('/', join(share, 'c', 'b'));
  await assert.rejects(assertPlainDirs(share, join(share, 'c', 'b', 'rootfs')), /not a directory/);
  await assert.rejects(assertPlainDirs(share, '/etc'), /outside the VM share/);
});

test('a guest-written answer is never read through a symlink', async () => {
  writeFileSync(join(base, 'code'), '3\n');
  assert.equal((await readGuestFile(join(base, 'code'))).toString(), '3\n');
  symlinkSync('/etc/hostname', join(base, 'out'));
  await assert.rejects(readGuestFile(join(base, 'out')), (e: NodeJS.ErrnoException) => e.code === 'ELOOP');
});
