// The CRI socket ends up root-owned with the configured mode and group, also where its directory
// would hand it another group (setgid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { secureSocket } from './unix-socket.js';
import { tempDir } from '../util/test-temp-dir.js';

const NOGROUP = 65534;

async function listenIn(dir: string): Promise<{ path: string; close: () => void }> {
  const path = join(dir, 'rktlet.sock');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(path, resolve));
  return { path, close: () => srv.close() };
}

test('a socket made in a setgid directory of another group becomes root:root 0660', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const dir = tempDir('rktlet-sock-');
  chownSync(dir, 0, NOGROUP);
  chmodSync(dir, 0o2755);
  const s = await listenIn(dir);
  try {
    assert.equal(statSync(s.path).gid, NOGROUP, 'the kernel gave the socket the directory group');
    await secureSocket(s.path, '0660', '');
    const st = statSync(s.path);
    assert.equal(st.uid, 0);
    assert.equal(st.gid, 0);
    assert.equal(st.mode & 0o7777, 0o660);
  } finally {
    s.close();
  }
});

test('socket_group names the group; socket_mode the mode', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const s = await listenIn(tempDir('rktlet-sock-'));
  try {
    await secureSocket(s.path, '0600', 'nogroup');
    const st = statSync(s.path);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, NOGROUP, 0o600]);
  } finally {
    s.close();
  }
});
