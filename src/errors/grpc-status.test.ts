import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { toGrpcStatus } from './grpc-status.js';
import { NotFoundError, OciRuntimeError, InvalidArgumentError, ConfigError, writeFailure } from './catalog.js';

test('catalog errors map to their gRPC codes', () => {
  assert.deepEqual(toGrpcStatus(new NotFoundError('pod "x" not found')), {
    code: status.NOT_FOUND,
    details: 'pod "x" not found',
  });
  assert.equal(toGrpcStatus(new InvalidArgumentError('bad')).code, status.INVALID_ARGUMENT);
  assert.equal(toGrpcStatus(new ConfigError('a.b', 'bad')).details, 'config key "a.b": bad');
});

test('OCI runtime errors keep stderr in the message', () => {
  const s = toGrpcStatus(new OciRuntimeError('runc create failed', 1, 'no such file\n'));
  assert.equal(s.code, status.UNKNOWN);
  assert.equal(s.details, 'runc create failed: no such file');
});

test("huge messages (a 1 MiB id quoted back) are clipped to fit a client's header limit", () => {
  const s = toGrpcStatus(new NotFoundError(`pod "${'A'.repeat(1 << 20)}" not found`));
  assert.ok(s.details.length <= 4096);
  assert.match(s.details, /… \(1048592 characters\)$/);
});

test('foreign errors become INTERNAL and keep their text', () => {
  const s = toGrpcStatus(new TypeError('boom'));
  assert.equal(s.code, status.INTERNAL);
  assert.equal(s.details, 'boom');
});

test('running out of disk, quota or file descriptors is RESOURCE_EXHAUSTED, not INTERNAL', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE']) {
    const s = toGrpcStatus(Object.assign(new Error(`${code}: out, write`), { code }));
    assert.equal(s.code, status.RESOURCE_EXHAUSTED, code);
  }
  const w = toGrpcStatus(writeFailure('/var/lib/rktlet/pods/x/pod.json', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })));
  assert.equal(w.code, status.RESOURCE_EXHAUSTED);
  assert.equal(w.details, 'cannot write /var/lib/rktlet/pods/x/pod.json: no space left on device (ENOSPC)');
  assert.equal(toGrpcStatus(Object.assign(new Error('nope'), { code: 'EACCES' })).code, status.INTERNAL);
});
