import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Mount__Output } from '../gen/runtime/v1/Mount.js';
import { bindMounts, imageVolumeRequests, mountRequests, wantsRecursiveReadOnly } from './mount-requests.js';

function mount(over: Partial<Mount__Output>): Mount__Output {
  return {
    container_path: '/vol',
    host_path: '/host',
    readonly: false,
    selinux_relabel: false,
    propagation: 'PROPAGATION_PRIVATE',
    uidMappings: [],
    gidMappings: [],
    recursive_read_only: false,
    image: null,
    image_sub_path: '',
    ...over,
  };
}
const image = (ref: string) => ({ image: ref, annotations: {}, user_specified_image: '', runtime_handler: '', image_ref: '' });
const noSelinux = { selinuxEnabled: false };
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'OK';
};

test('bind mounts keep every field they use; recursive read-only needs readonly and private propagation', () => {
  const r = mountRequests([mount({ readonly: true, recursive_read_only: true }), mount({ container_path: '/b', selinux_relabel: true })], noSelinux);
  assert.deepEqual(bindMounts(r), [
    { containerPath: '/vol', hostPath: '/host', readonly: true, propagation: 'private', recursiveReadOnly: true },
    { containerPath: '/b', hostPath: '/host', readonly: false, propagation: 'private', selinuxRelabel: true },
  ]);
  assert.equal(wantsRecursiveReadOnly(r), true);
  assert.equal(code(() => mountRequests([mount({ recursive_read_only: true })], noSelinux)), 'INVALID_ARGUMENT');
  assert.equal(code(() => mountRequests([mount({ readonly: true, recursive_read_only: true, propagation: 'PROPAGATION_BIDIRECTIONAL' })], noSelinux)), 'INVALID_ARGUMENT');
});

test('image mounts: read-only, no host path, a plain relative sub path', () => {
  const r = mountRequests([mount({ host_path: '', readonly: true, image: image('busybox'), image_sub_path: 'etc/ssl' })], noSelinux);
  assert.deepEqual(imageVolumeRequests(r), [{ containerPath: '/vol', ref: 'busybox', subPath: 'etc/ssl', propagation: 'private', recursiveReadOnly: false }]);
  assert.deepEqual(bindMounts(r), []);
  assert.equal(code(() => mountRequests([mount({ host_path: '', image: image('busybox') })], noSelinux)), 'INVALID_ARGUMENT');
  assert.equal(code(() => mountRequests([mount({ readonly: true, image: image('busybox') })], noSelinux)), 'INVALID_ARGUMENT');
  for (const sub of ['/abs', 'a/../b', './a', 'a\nb']) {
    assert.equal(code(() => mountRequests([mount({ host_path: '', readonly: true, image: image('busybox'), image_sub_path: sub })], noSelinux)), 'INVALID_ARGUMENT', sub);
  }
  assert.equal(code(() => mountRequests([mount({ image_sub_path: 'x' })], noSelinux)), 'INVALID_ARGUMENT');
});

test('what cannot be honoured is refused: ID mappings, SELinux relabel on an SELinux host', () => {
  const idmap = [{ host_id: 1000, container_id: 0, length: 1 }];
  assert.equal(code(() => mountRequests([mount({ uidMappings: idmap })], noSelinux)), 'FAILED_PRECONDITION');
  assert.equal(code(() => mountRequests([mount({ gidMappings: idmap })], noSelinux)), 'FAILED_PRECONDITION');
  assert.equal(code(() => mountRequests([mount({ selinux_relabel: true })], { selinuxEnabled: true })), 'FAILED_PRECONDITION');
  assert.equal(code(() => mountRequests([mount({ selinux_relabel: true })], noSelinux)), 'OK');
});
