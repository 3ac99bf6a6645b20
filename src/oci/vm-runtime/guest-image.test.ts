import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleOrder } from './guest-image.js';

const dep = [
  'kernel/fs/netfs/netfs.ko:',
  'kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko',
  'kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko',
  'kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko',
  'kernel/drivers/virtio/virtio_ring.ko:',
  'kernel/net/9p/9pnet.ko:',
  'kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
].join('\n');

test('modules load dependencies first, each once', () => {
  const names = moduleOrder(dep, ['9p', '9pnet_virtio']).map((m) => m.name);
  assert.deepEqual(names, ['9pnet', 'netfs', 'fscache', '9p', 'virtio_ring', 'virtio', '9pnet_virtio']);
  for (const [i, n] of names.entries()) assert.equal(names.indexOf(n), i);
  assert.equal(moduleOrder(dep, ['virtio'])[1]!.path, 'kernel/drivers/virtio/virtio.ko');
});

test('a module the kernel lacks is refused, naming it', () => {
  assert.throws(() => moduleOrder(dep, ['virtio_net']), /no module virtio_net/);
});
