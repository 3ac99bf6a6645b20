import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, formatReference, tagRef } from './reference.js';

const D = 'sha256:' + 'a'.repeat(64);

test('short names normalise as Docker does', () => {
  assert.equal(formatReference(parseReference('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(parseReference('busybox:1.36')), 'docker.io/library/busybox:1.36');
  assert.equal(formatReference(parseReference('user/app')), 'docker.io/user/app:latest');
  assert.equal(formatReference(parseReference('index.docker.io/library/busybox')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(parseReference('docker.io/busybox')), 'docker.io/library/busybox:latest');
});

test('registry hosts with ports, localhost and digests', () => {
  assert.deepEqual(parseReference('127.0.0.1:5000/library/busybox:v1'), { domain: '127.0.0.1:5000', path: 'library/busybox', tag: 'v1' });
  assert.deepEqual(parseReference('localhost/app'), { domain: 'localhost', path: 'app', tag: 'latest' });
  assert.deepEqual(parseReference(`registry.k8s.io/pause@${D}`), { domain: 'registry.k8s.io', path: 'pause', digest: D });
  const both = parseReference(`busybox:1@${D}`);
  assert.equal(both.digest, D);
  assert.equal(tagRef(both), undefined);
});

test('bad references are refused', () => {
  for (const bad of ['', 'UPPER/Case', 'busybox@sha256:abc', 'a/../b', 'busybox:bad tag', 'busybox:', '-x', 'busybox\n', 'a\0b', '127.0.0.1:99999/x', 'h.io:0/x']) {
    assert.throws(() => parseReference(bad), { code: 'INVALID_ARGUMENT' }, bad);
  }
});
