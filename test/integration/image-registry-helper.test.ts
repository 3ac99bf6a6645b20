// The test registry helper itself: fixture images land in a real docker-registry and come back
// byte for byte through the HTTP API v2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startRegistry, pushBusybox, pushIndex, corruptBlob, type Registry } from '../helpers/registry.js';
import { busyboxImage, busyboxApplets } from '../fixtures/busybox.js';
import { sha256 } from '../fixtures/tar-layer.js';
import { MT } from '../fixtures/oci-image.js';

const regs: Registry[] = [];
after(async () => {
  for (const r of regs) await r.stop();
});

test('busybox is pushed and served back with its digests', async () => {
  const reg = await startRegistry();
  regs.push(reg);
  const img = await pushBusybox(reg, 'library/busybox:latest');
  assert.ok(busyboxApplets().includes('sh'));
  const m = await request(`${reg.url}/v2/library/busybox/manifests/latest`, { headers: { accept: MT.ociManifest } });
  const body = Buffer.from(await m.body.arrayBuffer());
  assert.equal(m.statusCode, 200);
  assert.equal(m.headers['docker-content-digest'], img.manifest.digest);
  assert.equal(sha256(body), img.manifest.digest);
  const b = await request(`${reg.url}/v2/library/busybox/blobs/${img.layers[0]!.digest}`);
  assert.equal(sha256(Buffer.from(await b.body.arrayBuffer())), img.layers[0]!.digest);

  const arm = await busyboxImage({ architecture: 'arm64', config: { Labels: { arch: 'arm64' } } });
  const idx = await pushIndex(reg, 'library/multi:1', [
    { image: img, architecture: 'amd64' },
    { image: arm, architecture: 'arm64' },
  ]);
  const mi = await request(`${reg.url}/v2/library/multi/manifests/1`, { headers: { accept: MT.ociIndex } });
  await mi.body.dump();
  assert.equal(mi.headers['docker-content-digest'], idx);

  corruptBlob(reg, img.config.digest);
  const c = await request(`${reg.url}/v2/library/busybox/blobs/${img.config.digest}`);
  assert.notEqual(sha256(Buffer.from(await c.body.arrayBuffer())), img.config.digest);
});

test('basic auth registry refuses anonymous pulls and accepts the user', async () => {
  const reg = await startRegistry({ auth: { username: 'tester', password: 's3cret' } });
  regs.push(reg);
  await pushBusybox(reg, 'private/busybox:1');
  const anon = await request(`${reg.url}/v2/private/busybox/manifests/1`);
  await anon.body.dump();
  assert.equal(anon.statusCode, 401);
  assert.match(String(anon.headers['www-authenticate']), /^Basic/);
});

test('the shared busybox registry serves busybox once per process', async () => {
  const { sharedBusyboxRegistry } = await import('../helpers/registry.js');
  const a = await sharedBusyboxRegistry();
  const b = await sharedBusyboxRegistry();
  assert.equal(a, b);
  assert.match(a.ref, /^127\.0\.0\.1:\d+\/library\/busybox:latest$/);
  assert.match(a.configToml, /insecure_registries/);
  const m = await request(`${a.registry.url}/v2/library/busybox/manifests/latest`, { headers: { accept: MT.ociManifest } });
  await m.body.dump();
  assert.equal(m.headers['docker-content-digest'], a.image.manifest.digest);
});
