// Pulls that must fail, and fail cleanly: corrupt blobs, hostile layers, auth, plain HTTP that
// was not configured. Each leaves nothing behind and the daemon serving.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { join } from 'node:path';
import { TestDaemon } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, pushImage, corruptBlob, freePort, type Registry } from '../helpers/registry.js';
import { startTokenServer, type TokenServer } from '../helpers/registry-token.js';
import { busyboxImage } from '../fixtures/busybox.js';
import { buildLayer, sha256 } from '../fixtures/tar-layer.js';
import { buildImage } from '../fixtures/oci-image.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let reg: Registry;
let basicReg: Registry;
let tokenReg: Registry;
let tokens: TokenServer;
let d: TestDaemon;

before(async () => {
  reg = await startRegistry();
  cleanups.push(() => reg.stop());
  basicReg = await startRegistry({ auth: { username: 'tester', password: 's3cret' } });
  cleanups.push(() => basicReg.stop());
  tokens = await startTokenServer({ username: 'bob', password: 'hunter2', refreshToken: 'refresh-me' });
  cleanups.push(() => tokens.stop());
  tokenReg = await startRegistry({ token: tokens.registryConfig, pushToken: (repo) => tokens.issue(repo, ['pull', 'push']) });
  cleanups.push(() => tokenReg.stop());
  const insecure = [reg.host, basicReg.host, tokenReg.host].map((h) => `"${h}"`).join(', ');
  d = await TestDaemon.start({ configToml: `[image]\ninsecure_registries = [${insecure}]\n` });
  cleanups.push(() => d.destroy());
});

const pull = (image: string, auth?: Record<string, string>) => d.client.image('PullImage', { image: { image }, ...(auth ? { auth } : {}) });
const list = async () => (await d.client.image('ListImages', {})).images;

function storeFiles(): { blobs: string[]; layers: string[]; ingest: string[]; unpacking: string[] } {
  const root = d.dirs.root;
  const sub = (p: string) => readdirSync(p).flatMap((n) => readdirSync(join(p, n)));
  return {
    blobs: readdirSync(join(root, 'content', 'blobs', 'sha256')),
    layers: readdirSync(join(root, 'snapshots', 'layers')),
    ingest: sub(join(root, 'content', 'ingest')),
    unpacking: sub(join(root, 'snapshots', 'tmp')),
  };
}

test('a corrupted layer blob fails the pull and leaves nothing behind', async () => {
  const layer = await buildLayer([{ name: 'data', content: Buffer.alloc(300_000, 1) }], { compression: 'none' });
  const img = await busyboxImage({ layers: [layer] });
  await pushImage(reg, 'library/corrupt:1', img);
  corruptBlob(reg, layer.digest);
  const before = storeFiles();
  await assert.rejects(pull(`${reg.host}/library/corrupt:1`), (err: { code: number; details: string }) => {
    assert.equal(err.code, 3);
    assert.match(err.details, /does not match|unpacks to/);
    return true;
  });
  assert.deepEqual(await list(), []);
  assert.deepEqual(storeFiles(), before);
  assert.equal(storeFiles().blobs.length, 0);
});

/** Blobs in the content store that no stored image lists (the image records are the truth). */
function orphanBlobs(): string[] {
  const recs = join(d.dirs.root, 'images', 'records');
  const owned = new Set(
    readdirSync(recs)
      .filter((n) => n.endsWith('.json'))
      .flatMap((n) => (JSON.parse(readFileSync(join(recs, n), 'utf8')) as { blobs: string[] }).blobs.map((b) => b.slice(7))),
  );
  return storeFiles().blobs.filter((b) => !owned.has(b));
}

test("a layer that does not unpack to the config's diff_id fails the pull and leaves no blob", async () => {
  const layer = await buildLayer([{ name: 'diffid/data', content: Buffer.alloc(200_000, 7) }]);
  const img = buildImage({ layers: [(await busyboxImage()).layers[0]!, { ...layer, diffId: sha256('not this layer') }] });
  await pushImage(reg, 'library/wrongdiff:1', img);
  const before = storeFiles();
  await assert.rejects(pull(`${reg.host}/library/wrongdiff:1`), (err: { code: number; details: string }) => {
    assert.equal(err.code, 3);
    assert.match(err.details, new RegExp(`layer ${layer.digest} unpacks to ${layer.diffId}, but the image config expects ${sha256('not this layer')}`));
    return true;
  });
  assert.deepEqual(await list(), []);
  assert.deepEqual(storeFiles(), before);
  assert.deepEqual(orphanBlobs(), []);
});

test('a wrong diff_id in the second of several layers: the first, finished, goes too', async () => {
  // Another image keeps busybox's layer: it must stay; the failed pull's own first layer must not.
  const kept = await pushBusybox(reg, 'library/keeper:1');
  await pull(`${reg.host}/library/keeper:1`);
  const first = await buildLayer([{ name: 'first/small', content: 'done quickly' }]);
  const second = await buildLayer([{ name: 'second/big', content: Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => (i * 7919) % 251)) }]);
  const img = buildImage({ layers: [kept.layers[0]!, first, { ...second, diffId: sha256('wrong') }, await buildLayer([{ name: 'third', content: 'x' }])] });
  await pushImage(reg, 'library/wrongdiff2:1', img);
  const before = storeFiles();
  await assert.rejects(pull(`${reg.host}/library/wrongdiff2:1`), (err: { code: number; details: string }) => {
    assert.equal(err.code, 3);
    assert.match(err.details, new RegExp(`layer ${second.digest} unpacks to`));
    return true;
  });
  assert.deepEqual(storeFiles(), before);
  assert.deepEqual(orphanBlobs(), []);
  assert.ok(storeFiles().blobs.includes(kept.layers[0]!.digest.slice(7)), "the other image's layer stays");
  assert.deepEqual((await list()).map((i) => i.id), [kept.id]);
  await d.client.image('RemoveImage', { image: { image: kept.id } });
  assert.deepEqual(storeFiles().blobs, []);
});

test('a corrupted gzip layer fails the pull with INVALID_ARGUMENT', async () => {
  const layer = await buildLayer([{ name: 'data', content: Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251)) }]);
  const img = await busyboxImage({ layers: [layer] });
  await pushImage(reg, 'library/corruptgz:1', img);
  corruptBlob(reg, layer.digest);
  await assert.rejects(pull(`${reg.host}/library/corruptgz:1`), { code: 3 });
  assert.deepEqual(await list(), []);
  assert.deepEqual(storeFiles().layers, []);
});

test('a download cut off midway is UNAVAILABLE (retryable) and leaves nothing behind', async () => {
  const layer = await buildLayer([{ name: 'data', content: Buffer.alloc(1 << 20, 3) }], { compression: 'none' });
  const img = await busyboxImage({ layers: [layer] });
  await pushImage(reg, 'library/cutoff:1', img);
  // A forwarding proxy in front of the real registry that drops the connection halfway through the layer.
  const proxy = createServer((req, res) => {
    void (async () => {
      const up = await request(`${reg.url}${req.url}`, { method: req.method as 'GET', headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await up.body.arrayBuffer());
      const headers = Object.fromEntries(Object.entries(up.headers).filter(([k]) => k !== 'transfer-encoding' && k !== 'connection'));
      res.writeHead(up.statusCode, headers);
      if (req.url?.includes(layer.digest)) {
        res.write(body.subarray(0, body.length >> 1), () => res.destroy());
        return;
      }
      res.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });
  const port = (proxy.address() as AddressInfo).port;
  const d5 = await TestDaemon.start({ configToml: `[image]\ninsecure_registries = ["127.0.0.1:${port}"]\npull_retry_delay_seconds = 0.05\n` });
  cleanups.push(() => d5.destroy());
  await assert.rejects(d5.client.image('PullImage', { image: { image: `127.0.0.1:${port}/library/cutoff:1` } }), (err: { code: number; details: string }) => {
    assert.equal(err.code, 14, err.details);
    // Retried (image.pull_retries, 3 by default) before it is given up.
    assert.match(err.details, /broke while fetching layer .* \(4 attempts; image\.pull_retries = 3\)/);
    return true;
  });
  assert.deepEqual((await d5.client.image('ListImages', {})).images, []);
  assert.deepEqual(readdirSync(join(d5.dirs.root, 'snapshots', 'layers')), []);
  assert.deepEqual(readdirSync(join(d5.dirs.root, 'content', 'blobs', 'sha256')), []);
});

test('a corrupted config blob fails the pull', async () => {
  const img = await busyboxImage({ config: { Labels: { c: 'bad-config' } } });
  await pushImage(reg, 'library/badconfig:1', img);
  corruptBlob(reg, img.config.digest);
  await assert.rejects(pull(`${reg.host}/library/badconfig:1`), { code: 3 });
  assert.deepEqual(await list(), []);
  assert.deepEqual(storeFiles().blobs, []);
  assert.deepEqual(storeFiles().layers, []);
});

test('hostile layers are refused with a clear error', async () => {
  const cases: [string, Parameters<typeof buildLayer>[0], RegExp][] = [
    ['dotdot', [{ name: '../../escape', content: 'x' }], /escapes the layer/],
    ['absolute', [{ name: '/etc/evil', content: 'x' }], /absolute path/],
    ['through-symlink', [{ name: 'out', type: 'symlink', linkname: '/tmp' }, { name: 'out/evil', content: 'x' }], /through the symlink "out"/],
    ['hardlink-out', [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }], /escapes the layer/],
  ];
  for (const [name, entries, msg] of cases) {
    const img = await busyboxImage({ layers: [await buildLayer(entries)] });
    await pushImage(reg, `library/hostile-${name}:1`, img);
    await assert.rejects(pull(`${reg.host}/library/hostile-${name}:1`), (err: { code: number; details: string }) => {
      assert.equal(err.code, 3, name);
      assert.match(err.details, msg, name);
      return true;
    });
  }
  assert.deepEqual(await list(), []);
  const left = storeFiles();
  assert.deepEqual([left.blobs, left.layers, left.ingest, left.unpacking], [[], [], [], []]);
});

test('basic auth: refused without credentials, pulled with username/password or the auth field', async () => {
  const img = await pushBusybox(basicReg, 'private/busybox:1');
  const ref = `${basicReg.host}/private/busybox:1`;
  await assert.rejects(pull(ref), { code: 16 });
  await assert.rejects(pull(ref, { username: 'tester', password: 'wrong' }), { code: 16 });
  assert.equal((await pull(ref, { username: 'tester', password: 's3cret' })).image_ref, img.id);
  await d.client.image('RemoveImage', { image: { image: ref } });
  assert.equal((await pull(ref, { auth: Buffer.from('tester:s3cret').toString('base64') })).image_ref, img.id);
  await d.client.image('RemoveImage', { image: { image: ref } });
});

test('bearer tokens: password, identity token and registry token flows', async () => {
  const img = await pushBusybox(tokenReg, 'team/app:1');
  const ref = `${tokenReg.host}/team/app:1`;
  await assert.rejects(pull(ref), { code: 16 });
  await assert.rejects(pull(ref, { username: 'bob', password: 'nope' }), { code: 16 });
  const n = tokens.requests;
  assert.equal((await pull(ref, { username: 'bob', password: 'hunter2' })).image_ref, img.id);
  assert.ok(tokens.requests > n, 'the token server was asked');
  await d.client.image('RemoveImage', { image: { image: img.id } });
  assert.equal((await pull(ref, { identity_token: 'refresh-me' })).image_ref, img.id);
  await d.client.image('RemoveImage', { image: { image: img.id } });
  await assert.rejects(pull(ref, { identity_token: 'stolen' }), { code: 16 });
  const token = await tokens.issue('team/app', ['pull']);
  assert.equal((await pull(ref, { registry_token: token })).image_ref, img.id);
  const s = await d.client.image('ImageStatus', { image: { image: ref } });
  assert.deepEqual(s.image?.repo_tags, [ref]);
  await d.client.image('RemoveImage', { image: { image: img.id } });
});

test('mirrors are tried in order and the origin is the fallback', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const toml = `[image]\ninsecure_registries = ["${reg.host}"]\n[image.mirrors]\n"${reg.host}" = ["${dead}", "${basicReg.url}"]\n`;
  const d3 = await TestDaemon.start({ configToml: toml });
  cleanups.push(() => d3.destroy());
  // The first mirror is down, the second lacks the repo (and wants auth): the origin serves it.
  const img = await pushBusybox(reg, 'library/fallback:1');
  const r = await d3.client.image('PullImage', { image: { image: `${reg.host}/library/fallback:1` } });
  assert.equal(r.image_ref, img.id);
  // Credentials given for the origin are not sent to mirrors.
  await pushBusybox(basicReg, 'library/mirrored:1', { config: { Labels: { from: 'mirror' } } });
  await assert.rejects(
    d3.client.image('PullImage', { image: { image: `${reg.host}/library/mirrored:1` }, auth: { username: 'tester', password: 's3cret' } }),
    { code: 5 },
  );
});
