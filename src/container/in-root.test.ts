import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../util/test-temp-dir.js';
import { InRootError, readFileInRoot, resolveInRoot } from './in-root.js';
import { readUserFiles } from './host-facts.js';

const HOST_PASSWD = readFileSync('/etc/passwd', 'utf8');

/** A root filesystem with usr/lib/passwd and the given symlinks (path -> target). */
function rootfs(links: Record<string, string>, dirs: string[] = []): string {
  const root = tempDir('rktlet-in-root-');
  mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
  writeFileSync(join(root, 'usr', 'lib', 'passwd'), 'img:x:7:7::/:/bin/sh\n');
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  for (const [p, t] of Object.entries(links)) symlinkSync(t, join(root, p));
  return root;
}

test('absolute and relative symlinks and .. resolve against the root, never the host', async () => {
  const root = rootfs({ etc: '/etc', lib: 'usr/lib', up: '../../../../..' }, ['var']);
  // etc -> /etc is the image's own /etc, that is etc itself: a loop, never the host's /etc.
  await assert.rejects(resolveInRoot(root, '/etc/passwd'), (e: unknown) => e instanceof InRootError && e.code === 'ELOOP');
  await assert.rejects(resolveInRoot(root, '/lib/shadow'), (e: unknown) => e instanceof InRootError && e.code === 'ENOENT');
  assert.equal(await resolveInRoot(root, '/lib/passwd'), join(root, 'usr/lib/passwd'));
  assert.equal(await resolveInRoot(root, '../../var/../usr/lib/passwd'), join(root, 'usr/lib/passwd'));
  assert.equal(await resolveInRoot(root, 'up/usr/lib/passwd'), join(root, 'usr/lib/passwd'));
  assert.equal(await resolveInRoot(root, '/up'), root);
  // The last component is kept when asked not to follow it.
  assert.equal(await resolveInRoot(root, '/etc', false), join(root, 'etc'));
  // A file used as a directory.
  await assert.rejects(resolveInRoot(root, '/usr/lib/passwd/x'), (e: unknown) => e instanceof InRootError && e.code === 'ENOTDIR');
});

test('symlink loops end with ELOOP', async () => {
  const root = rootfs({ a: 'b', b: '/a' }, ['etc']);
  symlinkSync('../../../../etc/passwd', join(root, 'etc', 'passwd'));
  await assert.rejects(resolveInRoot(root, '/a'), (e: unknown) => e instanceof InRootError && e.code === 'ELOOP');
  // etc/passwd -> ../../../../etc/passwd is itself inside the root: a loop, not the host's file.
  await assert.rejects(resolveInRoot(root, '/etc/passwd'), (e: unknown) => e instanceof InRootError && e.code === 'ELOOP');
  assert.equal(await readFileInRoot(root, '/etc/passwd', 1 << 20), '');
});

test("user files: an etc that points at the host's /etc reads nothing from the host", async () => {
  assert.ok(HOST_PASSWD.includes('root:'), 'the host has a passwd file to leak');
  const etcLink = rootfs({ etc: '/etc' });
  assert.deepEqual(await readUserFiles(etcLink), { passwd: '', group: '' });
  const relLink = rootfs({ etc: '../../../../../../etc' });
  assert.deepEqual(await readUserFiles(relLink), { passwd: '', group: '' });
  const fileLink = rootfs({}, ['etc']);
  symlinkSync('../../../../etc/passwd', join(fileLink, 'etc', 'passwd'));
  symlinkSync('/etc/group', join(fileLink, 'etc', 'group'));
  assert.deepEqual(await readUserFiles(fileLink), { passwd: '', group: '' });
});

test("user files: the image's own symlinks are followed inside it", async () => {
  const root = rootfs({}, ['etc']);
  symlinkSync('/usr/lib/passwd', join(root, 'etc', 'passwd'));
  symlinkSync('../usr/lib/passwd', join(root, 'etc', 'group'));
  assert.deepEqual(await readUserFiles(root), { passwd: 'img:x:7:7::/:/bin/sh\n', group: 'img:x:7:7::/:/bin/sh\n' });
  // Too large or not a regular file: nothing.
  assert.equal(await readFileInRoot(root, '/etc/passwd', 4), '');
  assert.equal(await readFileInRoot(root, '/usr', 1 << 20), '');
  // A FIFO (or a device node) named passwd is never opened: no hang, nothing read.
  const fifo = rootfs({}, ['etc']);
  execFileSync('mkfifo', [join(fifo, 'etc', 'passwd')]);
  assert.deepEqual(await readUserFiles(fifo), { passwd: '', group: '' });
});
