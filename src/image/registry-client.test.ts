import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointsFor } from './registry-client.js';

test('endpoints: mirrors in order, then the origin; docker.io lives at registry-1; insecure only when listed', () => {
  const cfg = {
    mirrors: { 'docker.io': ['http://127.0.0.1:5000', 'https://mirror.example/v2/'], 'registry.k8s.io': ['https://m.example:8443/prefix'] },
    insecure_registries: ['my.registry:5000', 'mirror.example'],
  };
  assert.deepEqual(endpointsFor('docker.io', cfg), [
    { base: 'http://127.0.0.1:5000', mirror: true, insecure: false },
    { base: 'https://mirror.example', mirror: true, insecure: true },
    { base: 'https://registry-1.docker.io', mirror: false, insecure: false },
  ]);
  assert.deepEqual(endpointsFor('registry.k8s.io', cfg)[0], { base: 'https://m.example:8443/prefix', mirror: true, insecure: false });
  assert.deepEqual(endpointsFor('my.registry:5000', cfg), [{ base: 'https://my.registry:5000', mirror: false, insecure: true }]);
  assert.deepEqual(endpointsFor('quay.io', cfg), [{ base: 'https://quay.io', mirror: false, insecure: false }]);
});
