import test from 'node:test';
import assert from 'node:assert/strict';
import { hostIdOf, ociMappings, sameMappings, userNamespaceRequest } from './userns.js';
import { InvalidArgumentError } from '../errors/catalog.js';

const kubelet = [{ container_id: 0, host_id: 65536 * 3, length: 65536 }];

test('userns_options: NODE or none is the host user namespace; POD gives the checked mappings', () => {
  assert.equal(userNamespaceRequest(null), undefined);
  assert.equal(userNamespaceRequest({ mode: 'NODE', uids: kubelet, gids: kubelet }), undefined);
  assert.deepEqual(userNamespaceRequest({ mode: 'POD', uids: kubelet, gids: kubelet }), { uids: kubelet, gids: kubelet });
});

test('userns_options: other modes, missing, empty, overflowing or overlapping mappings are refused', () => {
  assert.throws(() => userNamespaceRequest({ mode: 'CONTAINER' }), /only NODE or POD/);
  assert.throws(() => userNamespaceRequest({ mode: 'POD', uids: [], gids: kubelet }), InvalidArgumentError);
  assert.throws(() => userNamespaceRequest({ mode: 'POD', uids: kubelet, gids: [{ container_id: 0, host_id: 1, length: 0 }] }), /empty or out of range/);
  assert.throws(() => userNamespaceRequest({ mode: 'POD', uids: [{ container_id: 0, host_id: 2 ** 32 - 10, length: 65536 }], gids: kubelet }), /out of range/);
  const overlap = [{ container_id: 0, host_id: 100000, length: 1000 }, { container_id: 1000, host_id: 100500, length: 10 }];
  assert.throws(() => userNamespaceRequest({ mode: 'POD', uids: overlap, gids: kubelet }), /overlap \(host_id\)/);
});

test('mappings: host ids, OCI form, comparison', () => {
  const ms = [{ container_id: 0, host_id: 200000, length: 10 }, { container_id: 1000, host_id: 300000, length: 5 }];
  assert.equal(hostIdOf(ms, 0), 200000);
  assert.equal(hostIdOf(ms, 1004), 300004);
  assert.equal(hostIdOf(ms, 10), undefined);
  assert.deepEqual(ociMappings(kubelet), [{ containerID: 0, hostID: 196608, size: 65536 }]);
  assert.ok(sameMappings({ uids: kubelet, gids: kubelet }, { uids: [...kubelet], gids: kubelet }));
  assert.ok(!sameMappings({ uids: kubelet, gids: kubelet }, undefined));
});
