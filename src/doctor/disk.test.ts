import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskFinding, fsName } from './disk.js';

const GiB = 1024 ** 3;
const ext4 = (freeGiB: number, totalGiB: number, ffree = 9_000_000) => ({ type: 0xef53, bsize: 4096, blocks: (totalGiB * GiB) / 4096, bavail: (freeGiB * GiB) / 4096, files: 10_000_000, ffree });

test('state disk: plenty, low, full, out of inodes, and a file system overlayfs cannot use', () => {
  assert.equal(fsName(0xef53), 'ext4');
  assert.equal(diskFinding({ key: 'root', path: '/var/lib/rktlet', exists: true, statfs: ext4(77, 252) }).status, 'ok');
  assert.equal(diskFinding({ key: 'root', path: '/var/lib/rktlet', exists: true, statfs: ext4(20, 252) }).status, 'warn');
  assert.equal(diskFinding({ key: 'root', path: '/var/lib/rktlet', exists: true, statfs: ext4(0.5, 252) }).status, 'fail');
  assert.equal(diskFinding({ key: 'root', path: '/var/lib/rktlet', exists: true, statfs: ext4(77, 252, 100) }).status, 'fail');
  const nested = diskFinding({ key: 'root', path: '/var/lib/rktlet', exists: true, statfs: { ...ext4(77, 252), type: 0x794c7630 } });
  assert.equal(nested.status, 'fail');
  assert.match(nested.summary, /overlayfs cannot put container layers on overlay/);
  // run_root on tmpfs is what most hosts have.
  assert.equal(diskFinding({ key: 'run_root', path: '/run/rktlet', exists: false, statfs: { ...ext4(3, 8), type: 0x01021994 } }).status, 'ok');
  assert.equal(diskFinding({ key: 'root', path: '/x', exists: false, statfs: undefined }).status, 'fail');
});
