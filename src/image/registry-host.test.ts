import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPart, isInsecureRegistry, isLoopbackRegistry } from './registry-host.js';

test('loopback registries are named by their host part alone, never resolved', () => {
  for (const r of ['127.0.0.1:5000', '127.0.0.1', '127.8.9.10:443', 'localhost', 'LOCALHOST:5000', '[::1]:5000', '[::1]', '[::ffff:127.0.0.1]:80']) {
    assert.equal(isLoopbackRegistry(r), true, r);
  }
  for (const r of ['10.0.0.1:5000', '128.0.0.1', '127.example.com', '127.0.0.1.nip.io:5000', 'localhost.example:5000', 'mylocalhost', '[::2]:5000', 'docker.io', '1270.0.0.1']) {
    assert.equal(isLoopbackRegistry(r), false, r);
  }
  assert.equal(hostPart('[fe80::1]:5000'), 'fe80::1');
  assert.equal(hostPart('Registry.Example:5000'), 'registry.example');
});

test('insecure: listed, or loopback', () => {
  assert.equal(isInsecureRegistry('my.registry:5000', ['my.registry:5000']), true);
  assert.equal(isInsecureRegistry('my.registry', ['my.registry:5000']), false);
  assert.equal(isInsecureRegistry('localhost:5000', []), true);
  assert.equal(isInsecureRegistry('10.1.2.3:5000', []), false);
});

test('image.insecure_loopback = false: loopback registries need verified TLS like any other', () => {
  assert.equal(isInsecureRegistry('127.0.0.1:5000', [], false), false);
  assert.equal(isInsecureRegistry('localhost:5000', [], false), false);
  assert.equal(isInsecureRegistry('127.0.0.1:5000', ['127.0.0.1:5000'], false), true, 'unless listed');
  assert.equal(isInsecureRegistry('127.0.0.1:5000', []), true, 'default: as docker and containerd');
});
