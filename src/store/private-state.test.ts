import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../util/test-temp-dir.js';
import { closeStateDirs, socketWay, socketWayMode } from './private-state.js';

const mode = (p: string) => statSync(p).mode & 0o7777;
const grpc = (socket: string, socket_mode = '0660', socket_group = '') => ({ socket, socket_mode, socket_group, max_message_bytes: 1 << 24, create_retry_keep_seconds: 300 });

test('the way to the socket opens as far as its mode grants', () => {
  assert.equal(socketWayMode('0660'), 0o710);
  assert.equal(socketWayMode('0600'), 0o700);
  assert.equal(socketWayMode('0666'), 0o711);
  assert.equal(socketWayMode('0606'), 0o701);
  assert.deepEqual(socketWay(['/var/lib/r', '/run/r'], '/run/r/sock/cri.sock'), ['/run/r', '/run/r/sock']);
  assert.deepEqual(socketWay(['/var/lib/r', '/run/r'], '/run/r/cri.sock'), ['/run/r']);
  assert.deepEqual(socketWay(['/var/lib/r', '/run/r'], '/run/other/cri.sock'), []);
  assert.deepEqual(socketWay(['/var/lib/r', '/run/r'], '/run/rr/cri.sock'), []);
});

test('older 0711/0755 state is closed: the roots and every directory in them, not the image files below', async () => {
  const base = tempDir('rktlet-private-');
  const root = join(base, 'root');
  const run = join(base, 'run');
  // As an older version left them.
  for (const d of ['snapshots/layers/abc/tmp', 'pods/p1/infra/rootfs', 'containers']) mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  for (const d of ['exits', 'netns', 'sockets']) mkdirSync(join(run, d), { recursive: true, mode: 0o755 });
  chmodSync(root, 0o711);
  chmodSync(run, 0o711);
  chmodSync(join(root, 'snapshots/layers/abc/tmp'), 0o1777);
  writeFileSync(join(root, 'file'), 'x', { mode: 0o644 });
  symlinkSync('/tmp', join(root, 'link'));
  await closeStateDirs({ root, run_root: run, grpc: grpc(join(run, 'rktlet.sock')) });
  assert.equal(mode(root), 0o700);
  for (const d of ['snapshots', 'pods', 'containers']) assert.equal(mode(join(root, d)), 0o700, d);
  for (const d of ['exits', 'netns', 'sockets']) assert.equal(mode(join(run, d)), 0o700, d);
  // The run root holds the 0660 socket: searchable by its group only.
  assert.equal(mode(run), 0o710);
  // The image's own modes and plain files are untouched (the closed parents protect them).
  assert.equal(mode(join(root, 'snapshots/layers/abc/tmp')), 0o1777);
  assert.equal(mode(join(root, 'pods/p1/infra/rootfs')), 0o755);
  assert.equal(mode(join(root, 'file')), 0o644);
  assert.equal(mode('/tmp'), 0o1777);
});

test('a root that is a symlink to its real place is closed there', async () => {
  const base = tempDir('rktlet-private-');
  const real = join(base, 'disk', 'rktlet');
  mkdirSync(real, { recursive: true, mode: 0o755 });
  chmodSync(real, 0o711);
  mkdirSync(join(real, 'snapshots'), { mode: 0o711 });
  symlinkSync(real, join(base, 'root'));
  await closeStateDirs({ root: join(base, 'root'), run_root: join(base, 'run'), grpc: grpc(join(base, 'run', 'rktlet.sock')) });
  assert.equal(mode(real), 0o700);
  assert.equal(mode(join(real, 'snapshots')), 0o700);
});

test('a socket in a subdirectory: the way gets the group of grpc.socket_group', async () => {
  const base = tempDir('rktlet-private-');
  const root = join(base, 'root');
  const run = join(base, 'run');
  await closeStateDirs({ root, run_root: run, grpc: grpc(join(run, 'cri', 'rktlet.sock'), '0660', 'nogroup') });
  assert.equal(mode(root), 0o700);
  assert.equal(mode(run), 0o710);
  assert.equal(mode(join(run, 'cri')), 0o710);
  const nogroup = statSync(join(run, 'cri')).gid;
  assert.notEqual(nogroup, 0);
  assert.equal(statSync(run).gid, nogroup);
  // A socket outside both roots leaves them closed.
  await closeStateDirs({ root, run_root: run, grpc: grpc(join(base, 'elsewhere.sock'), '0666') });
  assert.equal(mode(run), 0o700);
  assert.equal(mode(join(run, 'cri')), 0o700);
});
