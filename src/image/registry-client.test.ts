import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointsFor } from './registry-client.js';

test('endpoints: mirrors in order, then the origin; docker.io lives at registry-1; insecure only when listed or loopback', () => {
  const cfg = {
    mirrors: { 'docker.io': ['http://127.0.0.1:5000', 'https://mirror.example/v2/'], 'registry.k8s.io': ['https://m.example:8443/prefix', 'https://localhost:5001'] },
    insecure_registries: ['my.registry:5000', 'mirror.example'],
  };
  assert.deepEqual(endpointsFor('docker.io', cfg), [
    { base: 'http://127.0.0.1:5000', mirror: true, insecure: false, registry: '127.0.0.1:5000' },
    { base: 'https://mirror.example', mirror: true, insecure: true, registry: 'mirror.example' },
    { base: 'https://registry-1.docker.io', mirror: false, insecure: false, registry: 'docker.io' },
  ]);
  assert.deepEqual(endpointsFor('registry.k8s.io', cfg).slice(0, 2), [
    { base: 'https://m.example:8443/prefix', mirror: true, insecure: false, registry: 'm.example:8443' },
    { base: 'https://localhost:5001', mirror: true, insecure: true, registry: 'localhost:5001' },
  ]);
  assert.deepEqual(endpointsFor('my.registry:5000', cfg), [{ base: 'https://my.registry:5000', mirror: false, insecure: true, registry: 'my.registry:5000' }]);
  assert.deepEqual(endpointsFor('quay.io', cfg), [{ base: 'https://quay.io', mirror: false, insecure: false, registry: 'quay.io' }]);
  // Loopback registries are reached as docker and containerd do without configuration: HTTPS
  // without verification first, then plain HTTP. Nothing else is.
  for (const r of ['127.0.0.1:5000', 'localhost:5000', '[::1]:5000']) {
    assert.deepEqual(endpointsFor(r, cfg), [{ base: `https://${r}`, mirror: false, insecure: true, registry: r }]);
  }
  assert.equal(endpointsFor('10.0.0.1:5000', cfg)[0]!.insecure, false);
});
