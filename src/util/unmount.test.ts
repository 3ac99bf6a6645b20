import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNamespaceMount, isOtherFsMount, unmountAll } from './unmount.js';

test('tells namespace files and tmpfs mounts apart from plain files; unmounts and removes them in one go', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-unmount-'));
  try {
    // A private mount of its own, so the namespace bind does not propagate.
    execFileSync('mount', ['--bind', dir, dir]);
    execFileSync('mount', ['--make-private', dir]);
    const ns = join(dir, 'uts');
    writeFileSync(ns, '');
    execFileSync('unshare', [`--uts=${ns}`, 'true']);
    const shm = join(dir, 'shm');
    mkdirSync(shm);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'shm', shm]);
    const plain = join(dir, 'plain');
    writeFileSync(plain, '');
    assert.equal(await isNamespaceMount(ns), true);
    assert.equal(await isNamespaceMount(plain), false);
    assert.equal(await isOtherFsMount(shm), true);
    assert.equal(await isOtherFsMount(plain), false);

    const targets = [
      { path: ns, kind: 'namespace' as const, remove: true },
      { path: shm, kind: 'filesystem' as const, remove: true },
      { path: join(dir, 'missing'), kind: 'namespace' as const, remove: true },
      { path: '', kind: 'namespace' as const, remove: true },
    ];
    await unmountAll(targets);
    assert.ok(!existsSync(ns) && !existsSync(shm));
    await unmountAll(targets); // idempotent
  } finally {
    execFileSync('umount', ['-R', '-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
