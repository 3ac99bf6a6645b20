// The daemonless image verbs on a state root shared with a running daemon, and offline import of
// `docker save` and OCI archives.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, makeDirs, runCli, type DaemonDirs } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, pushImage, type Registry } from '../helpers/registry.js';
import { busyboxImage, busyboxEntries } from '../fixtures/busybox.js';
import { buildLayer, sha256, tarOf, type LayerEntry } from '../fixtures/tar-layer.js';
import { buildIndex, hostArchitecture } from '../fixtures/oci-image.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let reg: Registry;
let dirs: DaemonDirs;
let d: TestDaemon;

before(async () => {
  reg = await startRegistry();
  cleanups.push(() => reg.stop());
  dirs = makeDirs('rktlet-imgcli-');
  writeFileSync(dirs.config, `[log]\nlevel = "warn"\n[network]\nconf_dir = "${dirs.cniConfDir}"\n[image]\ninsecure_registries = ["${reg.host}"]\n`);
});

const cli = (...args: string[]) => runCli([...args, '--root', dirs.root, '--run-root', dirs.runRoot, '--config', dirs.config]);

test('pull, images and rmi work without a daemon and agree with one', async () => {
  const img = await pushBusybox(reg, 'library/busybox:latest');
  const p = await cli('pull', `${reg.host}/library/busybox:latest`);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, new RegExp(img.id));
  const q = await cli('images', '-q');
  assert.equal(q.stdout, `${img.id}\n`);
  const table = await cli('images');
  assert.match(table.stdout, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE\n/);
  assert.match(table.stdout, new RegExp(`${reg.host}/library/busybox\\s+latest\\s+${img.id.slice(7, 20)}`));

  // A daemon on the same root sees it, and sees what the CLI does while it runs.
  d = await TestDaemon.start({ dirs });
  cleanups.push(() => d.destroy());
  const listed = (await d.client.image('ListImages', {})).images;
  assert.deepEqual(listed.map((i) => i.id), [img.id]);
  const other = await busyboxImage({ config: { Labels: { other: '1' } } });
  await pushImage(reg, 'library/other:2', other);
  const p2 = await cli('pull', `${reg.host}/library/other:2`);
  assert.equal(p2.code, 0, p2.stderr);
  assert.equal((await d.client.image('ImageStatus', { image: { image: `${reg.host}/library/other:2` } })).image?.id, other.id);
  const r = await cli('rmi', `${reg.host}/library/other:2`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Deleted: ${other.id}\n`);
  assert.equal((await d.client.image('ImageStatus', { image: { image: other.id } })).image, null);
  const missing = await cli('rmi', 'nothing:here');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such image: nothing:here/);
  // And the daemon's own pulls are visible to the CLI.
  await d.client.image('RemoveImage', { image: { image: img.id } });
  assert.equal((await cli('images', '-q')).stdout, '');
});

test('image import: docker save archives', async () => {
  const raw = await tarOf(busyboxEntries());
  const diffId = sha256(raw);
  const config = Buffer.from(JSON.stringify({ architecture: hostArchitecture(), os: 'linux', config: { Cmd: ['sh'], User: 'nobody' }, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  const configName = `${sha256(config).slice(7)}.json`;
  const entries: LayerEntry[] = [
    { name: 'abc/', type: 'directory' },
    { name: 'abc/layer.tar', content: raw },
    { name: 'def/', type: 'directory' },
    { name: 'def/layer.tar', type: 'symlink', linkname: '../abc/layer.tar' },
    { name: configName, content: config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: ['saved/app:v1', 'saved/app:v2'], Layers: ['def/layer.tar'] }]) },
  ];
  const file = join(dirs.base, 'saved.tar');
  writeFileSync(file, await tarOf(entries));
  const r = await cli('image', 'import', file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Imported ${sha256(config)} docker.io/saved/app:v1 docker.io/saved/app:v2\n`);
  const s = await d.client.image('ImageStatus', { image: { image: 'saved/app:v2' } });
  assert.equal(s.image?.id, sha256(config));
  assert.deepEqual(s.image?.repo_tags, ['docker.io/saved/app:v1', 'docker.io/saved/app:v2']);
  assert.deepEqual(s.image?.repo_digests, []);
  assert.equal(s.image?.username, 'nobody');
});

test('image import: OCI layout tarballs, and garbage is refused', async () => {
  const extra = await buildLayer([{ name: 'hello', content: 'oci\n' }]);
  const img = await busyboxImage({ layers: [extra] });
  const index = buildIndex([{ image: img, architecture: hostArchitecture() }]);
  const indexJson = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: index.mediaType, digest: index.digest, size: index.bytes.length, annotations: { 'io.containerd.image.name': 'example.com/oci/app:1.0', 'org.opencontainers.image.ref.name': '1.0' } }],
  };
  const blob = (digest: string, content: Buffer): LayerEntry => ({ name: `blobs/sha256/${digest.slice(7)}`, content });
  const entries: LayerEntry[] = [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify(indexJson) },
    blob(index.digest, index.bytes),
    blob(img.manifest.digest, img.manifest.bytes),
    blob(img.config.digest, img.config.bytes),
    ...img.layers.map((l) => blob(l.digest, l.blob)),
  ];
  const file = join(dirs.base, 'oci.tar');
  writeFileSync(file, await tarOf(entries));
  const r = await cli('image', 'import', file);
  assert.equal(r.code, 0, r.stderr);
  const s = await d.client.image('ImageStatus', { image: { image: 'example.com/oci/app:1.0' } });
  assert.equal(s.image?.id, img.id);
  assert.deepEqual(s.image?.repo_digests, [`example.com/oci/app@${index.digest}`]);

  // A blob that does not match its name is refused, and nothing of that archive stays.
  const tampered = entries.map((e) => (e.name === `blobs/sha256/${extra.digest.slice(7)}` ? { ...e, content: Buffer.from('nope') } : e));
  const idx2 = JSON.parse(JSON.stringify(indexJson)) as typeof indexJson;
  idx2.manifests[0]!.annotations['io.containerd.image.name'] = 'example.com/oci/tampered:1';
  const bad = join(dirs.base, 'bad.tar');
  writeFileSync(bad, await tarOf(tampered.map((e) => (e.name === 'index.json' ? { ...e, content: JSON.stringify(idx2) } : e))));
  const before = (await d.client.image('ListImages', {})).images.length;
  await d.client.image('RemoveImage', { image: { image: img.id } });
  const rb = await cli('image', 'import', bad);
  assert.equal(rb.code, 1);
  assert.match(rb.stderr, /does not match its digest/);
  assert.equal((await d.client.image('ListImages', {})).images.length, before - 1);

  writeFileSync(join(dirs.base, 'junk.tar'), 'not a tar at all');
  const junk = await cli('image', 'import', join(dirs.base, 'junk.tar'));
  assert.equal(junk.code, 1);
  assert.match(junk.stderr, /neither a docker save archive nor an OCI layout|cannot read image archive/);
});
