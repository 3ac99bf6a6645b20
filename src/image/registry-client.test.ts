import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointsFor, RegistryClient } from './registry-client.js';
import { parseReference } from './reference.js';

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

test('a loopback TLS registry that was down at first is not taken for a plain-HTTP one afterwards', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createServer } = await import('node:https');
  const { createServer: createTcp } = await import('node:net');
  const { pino } = await import('pino');
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-regtls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { stdio: 'ignore' });
  // A port nobody listens on (yet).
  const probe = createTcp();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const host = `127.0.0.1:${port}`;
  const client = new RegistryClient({ mirrors: {}, insecure_registries: [], max_manifest_bytes: 4 << 20 }, pino({ level: 'silent' }));
  t.after(() => client.close());
  const ref = parseReference(`${host}/x/y:1`);
  await assert.rejects(client.fetchManifest(ref, '1', undefined), { code: 'UNAVAILABLE', message: new RegExp(`registry ${host} unreachable \\(ECONNREFUSED`) });
  const body = Buffer.from('{"schemaVersion":2}');
  const srv = createServer({ key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) }, (_q, r) => {
    r.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': body.length });
    r.end(body);
  });
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const m = await client.fetchManifest(ref, '1', undefined);
  assert.equal(m.bytes.toString(), body.toString());
  assert.equal(m.endpoint.base, `https://${host}`);
});
