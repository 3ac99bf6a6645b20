import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountsUnder } from './share-mounts.js';

const info = [
  '22 1 0:21 / / rw - ext4 /dev/sda1 rw',
  '40 22 0:40 / /run/vm/pods/p/share/c/a/rootfs rw - overlay overlay rw',
  '41 22 8:1 /x /run/vm/pods/p/share/c/a/log rw - ext4 /dev/sda1 rw',
  '42 22 8:1 /y /run/vm/pods/p/share/c/a/m/0 rw - ext4 /dev/sda1 rw',
  '43 22 8:1 /y /run/vm/pods/p2/share rw - ext4 /dev/sda1 rw',
  '44 22 8:1 /z /run/vm/pods/p/share/c/with\\040space rw - ext4 /dev/sda1 rw',
].join('\n');

test('the mounts under a share directory, longest (so any child before its parent) first; a sibling with the same prefix is not one of them', () => {
  assert.deepEqual(mountsUnder(info, '/run/vm/pods/p'), [
    '/run/vm/pods/p/share/c/with space',
    '/run/vm/pods/p/share/c/a/rootfs',
    '/run/vm/pods/p/share/c/a/log',
    '/run/vm/pods/p/share/c/a/m/0',
  ]);
  assert.deepEqual(mountsUnder(info, '/run/vm/pods/p/share/c/a/log'), ['/run/vm/pods/p/share/c/a/log']);
  assert.deepEqual(mountsUnder(info, '/run/vm/pods/p3'), []);
});
