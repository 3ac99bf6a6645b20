// The image service end to end: a real docker-registry, a real daemon, CriClient calls, and the
// unpacked layers mounted with overlayfs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, pushImage, pushIndex, imageConfigToml, freePort, type Registry } from '../helpers/registry.js';
import { busyboxImage } from '../fixtures/busybox.js';
import { buildLayer } from '../fixtures/tar-layer.js';
import { hostArchitecture } from '../fixtures/oci-image.js';
import { OverlaySnapshotter } from '../../src/snapshot/overlay-snapshotter.js';
import type { BuiltImage } from '../fixtures/oci-image.js';

let reg: Registry;
let d: TestDaemon;
let busybox: BuiltImage;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  reg = await startRegistry({ accessLog: true });
  cleanups.push(() => reg.stop());
  busybox = await pushBusybox(reg, 'library/busybox:latest');
  d = await TestDaemon.start({ configToml: imageConfigToml(reg, { mirrorFor: ['docker.io', 'registry.k8s.io'] }) });
  cleanups.push(() => d.destroy());
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const pull = (image: string) => d.client.image('PullImage', { image: { image } });
const status = async (image: string) => (await d.client.image('ImageStatus', { image: { image } })).image;
const list = async () => (await d.client.image('ListImages', {})).images;

test('a short name pulls through the docker.io mirror; every way of naming it finds the same image', async () => {
  const r = await pull('busybox');
  assert.equal(r.image_ref, busybox.id);
  const imgs = await list();
  assert.equal(imgs.length, 1);
  const img = imgs[0]!;
  assert.equal(img.id, busybox.id);
  assert.deepEqual(img.repo_tags, ['docker.io/library/busybox:latest']);
  assert.deepEqual(img.repo_digests, [`docker.io/library/busybox@${busybox.manifest.digest}`]);
  const size = busybox.layers.reduce((n, l) => n + l.size, 0) + busybox.config.bytes.length + busybox.manifest.bytes.length;
  assert.equal(img.size, String(size));
  assert.equal(img.uid, null);
  assert.equal(img.username, '');
  assert.equal(img.spec?.image, busybox.id);
  for (const ref of [busybox.id, busybox.id.slice(7), busybox.id.slice(7, 19), 'busybox', 'busybox:latest', 'docker.io/library/busybox',
    `busybox@${busybox.manifest.digest}`, `docker.io/library/busybox@${busybox.manifest.digest}`]) {
    assert.deepEqual(await status(ref), img, ref);
  }
  assert.equal(await status('busybox:nope'), null);
  assert.deepEqual((await d.client.image('ListImages', { filter: { image: { image: 'docker.io/library/busybox:latest' } } })).images, [img]);
  assert.deepEqual((await d.client.image('ListImages', { filter: { image: { image: 'other' } } })).images, []);
  const streamed: unknown[] = [];
  for await (const page of d.client.imageStream('StreamImages', {})) streamed.push(...(page as { images: unknown[] }).images);
  assert.deepEqual(streamed, [img]);

  const verbose = await d.client.image('ImageStatus', { image: { image: 'busybox' }, verbose: true });
  const info = JSON.parse(verbose.info.info!) as { imageSpec: { config: { Cmd: string[] }; rootfs: { diff_ids: string[] } } };
  assert.deepEqual(info.imageSpec.config.Cmd, ['sh']);
  assert.deepEqual(info.imageSpec.rootfs.diff_ids, [busybox.layers[0]!.diffId]);

  // Applets are hard links to busybox in the unpacked layer; /etc files kept.
  const layers = join(d.dirs.root, 'snapshots', 'layers');
  const [layer] = readdirSync(layers);
  const sh = statSync(join(layers, layer!, 'bin', 'sh'));
  assert.equal(sh.ino, statSync(join(layers, layer!, 'bin', 'busybox')).ino);
  assert.ok(sh.nlink > 100);
  assert.equal(sh.mode & 0o7777, 0o755);
  assert.match(readFileSync(join(layers, layer!, 'etc', 'passwd'), 'utf8'), /^alice:x:1000:1000:/m);
  assert.equal(statSync(join(layers, layer!, 'home', 'alice')).uid, 1000);
  assert.equal(statSync(join(layers, layer!, 'tmp')).mode & 0o7777, 0o1777);
});

test('a tag moved to another image moves in the store; the old image keeps its digests', async () => {
  const a = await busyboxImage({ config: { Labels: { v: 'a' } } });
  const b = await busyboxImage({ config: { Labels: { v: 'b' } } });
  const da = await pushImage(reg, 'library/moving:1', a);
  await pull(`127.0.0.1:${await freePort()}/x`).catch(() => undefined); // an unreachable registry does not disturb anything
  assert.equal((await pull('moving:1')).image_ref, a.id);
  const db = await pushImage(reg, 'library/moving:1', b);
  assert.equal((await pull('moving:1')).image_ref, b.id);
  const oldImg = await status(a.id);
  assert.deepEqual(oldImg?.repo_tags, []);
  assert.deepEqual(oldImg?.repo_digests, [`docker.io/library/moving@${da}`]);
  const newImg = await status('moving:1');
  assert.equal(newImg?.id, b.id);
  assert.deepEqual(newImg?.repo_tags, ['docker.io/library/moving:1']);
  assert.deepEqual(newImg?.repo_digests, [`docker.io/library/moving@${db}`]);
  // Layers are shared by chain ID: busybox's layer is unpacked once.
  assert.equal(readdirSync(join(d.dirs.root, 'snapshots', 'layers')).length, 1);
});

test('an image pulled only by digest has no tags; image users come from the config', async () => {
  const img = await busyboxImage({ config: { User: 'alice:wheel' } });
  const digest = await pushImage(reg, 'library/bydigest', img);
  // (straight to the test registry: a mirror miss would fall back to the real docker.io)
  // The message names where the answer came from: this insecure registry speaks plain HTTP.
  await assert.rejects(
    pull(`${reg.host}/library/missing@${digest}`),
    { code: 5, message: new RegExp(`image ${reg.host}/library/missing@${digest} not found at http://${reg.host}$`) },
    'NOT_FOUND for a repository the registry lacks',
  );
  assert.equal((await pull(`docker.io/library/bydigest@${digest}`)).image_ref, img.id);
  const s = await status(img.id);
  assert.deepEqual(s?.repo_tags, []);
  assert.deepEqual(s?.repo_digests, [`docker.io/library/bydigest@${digest}`]);
  assert.equal(s?.username, 'alice');
  assert.equal(s?.uid, null);

  // Docker schema 2 (manifest and layer media types) pulls the same way.
  const dockerImg = await busyboxImage({ format: 'docker', config: { User: '65534' } });
  assert.equal(dockerImg.manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  await pushImage(reg, 'library/dockerfmt:1', dockerImg);
  assert.equal((await pull('dockerfmt:1')).image_ref, dockerImg.id);
  assert.deepEqual((await status('dockerfmt:1'))?.uid, { value: '65534' });

  const numeric = await busyboxImage({ config: { User: '1000:1000' } });
  await pushImage(reg, 'library/numeric:1', numeric);
  await pull('numeric:1');
  const n = await status('numeric:1');
  assert.deepEqual(n?.uid, { value: '1000' });
  assert.equal(n?.username, '');
});

test('a manifest list resolves to the host platform', async () => {
  const host = await busyboxImage({ config: { Labels: { arch: 'host' } } });
  const other = await busyboxImage({ architecture: hostArchitecture() === 'amd64' ? 'arm64' : 'amd64', config: { Labels: { arch: 'other' } } });
  const idx = await pushIndex(reg, 'library/multi:1', [
    { image: other, architecture: hostArchitecture() === 'amd64' ? 'arm64' : 'amd64' },
    { image: host, architecture: hostArchitecture() },
  ], 'docker');
  assert.equal((await pull('multi:1')).image_ref, host.id);
  const s = await status('multi:1');
  assert.deepEqual(s?.repo_digests, [`docker.io/library/multi@${idx}`]);
  assert.equal(await status(other.id), null);
});

test('two pulls of one image at once share one download', async () => {
  const layer = await buildLayer([{ name: 'big/', type: 'directory' }, { name: 'big/file', content: Buffer.alloc(4 << 20, 7) }]);
  const img = await busyboxImage({ layers: [layer] });
  await pushImage(reg, 'library/shared:1', img);
  const before = reg.requests().filter((r) => r.startsWith(`GET /v2/library/shared/blobs/${layer.digest}`)).length;
  const [x, y] = await Promise.all([pull('shared:1'), pull('docker.io/library/shared:1')]);
  assert.equal(x.image_ref, img.id);
  assert.equal(y.image_ref, img.id);
  const gets = reg.requests().filter((r) => r.startsWith(`GET /v2/library/shared/blobs/${layer.digest}`)).length - before;
  assert.equal(gets, 1);
});

test('whiteouts, opaque dirs and hard links stack correctly under overlayfs', async () => {
  const upper = await buildLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.hostname' },
    { name: 'home/', type: 'directory' },
    { name: 'home/alice/', type: 'directory', uid: 1000, gid: 1000 },
    { name: 'home/alice/.wh..wh..opq' },
    { name: 'home/alice/new', content: 'fresh\n', uid: 1000, gid: 1000, mode: 0o640 },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/suid', content: '#!/bin/sh\n', mode: 0o4755 },
    { name: 'usr/bin/suid-link', type: 'link', linkname: 'usr/bin/suid' },
    { name: 'usr/bin/rel', type: 'symlink', linkname: '../../bin/busybox' },
    { name: 'dev/', type: 'directory' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'xattr', content: 'x', pax: { 'SCHILY.xattr.user.rktlet': 'yes' } },
  ]);
  const lower = await buildLayer([
    { name: 'home/', type: 'directory' },
    { name: 'home/alice/', type: 'directory' },
    { name: 'home/alice/old', content: 'stale\n' },
  ]);
  const plain = await buildLayer([{ name: 'plain', content: 'uncompressed layer\n' }], { compression: 'none' });
  const zst = await buildLayer([{ name: 'zstd', content: Buffer.alloc(200_000, 'z') }], { compression: 'zstd' });
  const img = await busyboxImage({ layers: [lower, upper, plain, zst] });
  await pushImage(reg, 'library/layered:1', img);
  await pull('layered:1');
  const rec = await status('layered:1');
  assert.equal(rec?.id, img.id);

  // Mount it the way containers will, on this daemon's state.
  const snaps = new OverlaySnapshotter(join(d.dirs.root, 'snapshots'));
  await snaps.open();
  const verbose = await d.client.image('ImageStatus', { image: { image: 'layered:1' }, verbose: true });
  const { chainIds } = JSON.parse(verbose.info.info!) as { chainIds: string[] };
  assert.equal(chainIds.length, 5);
  const m = await snaps.prepare('test-layered', chainIds);
  try {
    await snaps.mount('test-layered');
    await snaps.mount('test-layered'); // idempotent
    const root = m.target;
    assert.equal(existsSync(join(root, 'etc', 'hostname')), false, 'whiteout hides the lower file');
    assert.ok(existsSync(join(root, 'etc', 'passwd')));
    assert.equal(readFileSync(join(root, 'plain'), 'utf8'), 'uncompressed layer\n');
    assert.equal(statSync(join(root, 'zstd')).size, 200_000);
    assert.deepEqual(readdirSync(join(root, 'home', 'alice')), ['new'], 'opaque dir hides lower entries');
    const nw = statSync(join(root, 'home', 'alice', 'new'));
    assert.equal(nw.uid, 1000);
    assert.equal(nw.mode & 0o7777, 0o640);
    const suid = statSync(join(root, 'usr', 'bin', 'suid'));
    assert.equal(suid.mode & 0o7777, 0o4755, 'setuid kept');
    assert.equal(statSync(join(root, 'usr', 'bin', 'suid-link')).ino, suid.ino);
    assert.equal(lstatSync(join(root, 'usr', 'bin', 'rel')).isSymbolicLink(), true);
    const dev = statSync(join(root, 'dev', 'null'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, (1 << 8) | 3);
    assert.equal(statSync(join(root, 'bin', 'sh')).ino, statSync(join(root, 'bin', 'busybox')).ino);
    const { execFileSync } = await import('node:child_process');
    assert.match(execFileSync('getfattr', ['--only-values', '-n', 'user.rktlet', join(root, 'xattr')], { encoding: 'utf8' }), /yes/);
    // Writes land in the container's upper dir only.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(root, 'tmp', 'scratch'), Buffer.alloc(8192));
    const u = await snaps.usage('test-layered');
    assert.ok(u.bytes >= 8192 && u.inodes >= 2, JSON.stringify(u));
    const fs = await d.client.image('ImageFsInfo', {});
    assert.ok(Number(fs.container_filesystems[0]!.used_bytes!.value) >= 8192);
    assert.ok(Number(fs.image_filesystems[0]!.used_bytes!.value) > 1_000_000);
    assert.ok(Number(fs.image_filesystems[0]!.inodes_used!.value) > 10);
    assert.ok(existsSync(join(m.upperDir, 'tmp', 'scratch')));
  } finally {
    await snaps.remove('test-layered');
    await snaps.close();
  }
  assert.equal(existsSync(m.upperDir), false);
});

test('a 45-layer image mounts (lower dirs beyond one page of absolute paths)', async () => {
  const layers = [];
  for (let i = 0; i < 45; i++) layers.push(await buildLayer([{ name: `l${i}`, content: `${i}\n` }]));
  const img = await busyboxImage({ layers });
  await pushImage(reg, 'library/deep:1', img);
  await pull('deep:1');
  const verbose = await d.client.image('ImageStatus', { image: { image: 'deep:1' }, verbose: true });
  const { chainIds } = JSON.parse(verbose.info.info!) as { chainIds: string[] };
  const snaps = new OverlaySnapshotter(join(d.dirs.root, 'snapshots'));
  await snaps.open();
  try {
    const m = await snaps.prepare('test-deep', chainIds);
    assert.ok(m.lowerDirs.join(':').length > 4096);
    await snaps.mount('test-deep');
    assert.equal(readFileSync(join(m.target, 'l44'), 'utf8'), '44\n');
    assert.equal(readFileSync(join(m.target, 'l0'), 'utf8'), '0\n');
  } finally {
    await snaps.remove('test-deep');
    await snaps.close();
  }
  await d.client.image('RemoveImage', { image: { image: 'deep:1' } });
});

test('RemoveImage by tag, ID or digest; idempotent; shared layers stay while used', async () => {
  await pull('busybox');
  const layersBefore = readdirSync(join(d.dirs.root, 'snapshots', 'layers')).length;
  const fsBefore = await d.client.image('ImageFsInfo', {});
  await d.client.image('RemoveImage', { image: { image: 'layered:1' } });
  assert.equal(await status('layered:1'), null);
  assert.equal(readdirSync(join(d.dirs.root, 'snapshots', 'layers')).length, layersBefore - 4, 'its own four layers go');
  const fsAfter = await d.client.image('ImageFsInfo', {});
  assert.ok(Number(fsAfter.image_filesystems[0]!.used_bytes!.value) < Number(fsBefore.image_filesystems[0]!.used_bytes!.value));
  await d.client.image('RemoveImage', { image: { image: 'layered:1' } });
  await d.client.image('RemoveImage', { image: { image: `sha256:${'0'.repeat(64)}` } });
  const digestRef = (await status('numeric:1'))!.repo_digests[0]!;
  await d.client.image('RemoveImage', { image: { image: digestRef } });
  assert.equal(await status('numeric:1'), null);
  assert.ok(await status('busybox'), 'busybox untouched');
  assert.ok(existsSync(join(d.dirs.root, 'content', 'blobs', 'sha256', busybox.layers[0]!.digest.slice(7))));
});

test('layers a container still uses outlive their image; removed behind the daemon\'s back, they go at the next start', async () => {
  const layer = await buildLayer([{ name: 'kept', content: 'in use\n' }]);
  const img = await busyboxImage({ layers: [layer] });
  await pushImage(reg, 'library/inuse:1', img);
  await pull('inuse:1');
  const verbose = await d.client.image('ImageStatus', { image: { image: 'inuse:1' }, verbose: true });
  const { chainIds } = JSON.parse(verbose.info.info!) as { chainIds: string[] };
  const snaps = new OverlaySnapshotter(join(d.dirs.root, 'snapshots'));
  await snaps.open();
  await snaps.prepare('ctr-inuse', chainIds);
  await d.client.image('RemoveImage', { image: { image: 'inuse:1' } });
  const top = join(d.dirs.root, 'snapshots', 'layers', chainIds[1]!.slice(7));
  assert.ok(existsSync(top), 'the layer stays while a container uses it');
  assert.deepEqual((await list()).find((i) => i.id === img.id)?.repo_tags, [], 'and its image stays listed, without names');
  // A snapshot made and removed by a snapshotter no image service watches (as if the daemon
  // crashed in between): nothing collects at once, the next start does.
  await snaps.remove('ctr-inuse');
  await snaps.close();
  // Start-up collects only leftovers older than an hour (newer ones may be another process's pull).
  const { utimesSync } = await import('node:fs');
  const past = new Date(Date.now() - 2 * 3600_000);
  utimesSync(top, past, past);
  await d.stop();
  d = await TestDaemon.start({ dirs: d.dirs });
  cleanups.push(() => d.destroy());
  assert.equal(existsSync(top), false, 'collected at start-up');
  assert.ok(existsSync(join(d.dirs.root, 'snapshots', 'layers', chainIds[0]!.slice(7))), 'busybox layer kept');
});

test('the stores survive a daemon restart unchanged', async () => {
  const beforeList = await list();
  assert.ok(beforeList.length >= 3);
  await d.stop();
  d = await TestDaemon.start({ dirs: d.dirs });
  cleanups.push(() => d.destroy());
  assert.deepEqual(await list(), beforeList);
  for (const img of beforeList) assert.deepEqual(await status(img.id), img);
});

test('bad requests get INVALID_ARGUMENT and leave the daemon serving', async () => {
  for (const image of ['', 'Bad:Name', 'busybox@sha256:123']) {
    await assert.rejects(pull(image), { code: 3 }, image);
  }
  await assert.rejects(d.client.image('RemoveImage', { image: { image: '' } }), { code: 3 });
  await assert.rejects(d.client.image('ImageStatus', { image: { image: '' } }), { code: 3 });
  assert.ok((await list()).length > 0);
});
