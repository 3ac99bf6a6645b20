// Removing an image a container still stands on. Through the socket (the kubelet's RemoveImage)
// it succeeds as with containerd, but what is kept stays listed: the image loses its names and is
// listed without them until its last container is removed, and then it goes with every blob and
// layer only it needed. The CLI refuses, as podman and docker do, unless --force.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestDaemon, makeDirs, runCli, cleanupHost } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, type Registry } from '../helpers/registry.js';
import { buildLayer } from '../fixtures/tar-layer.js';
import type { BuiltImage } from '../fixtures/oci-image.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let reg: Registry;
let inUse: BuiltImage;
const chainDir = (root: string, img: BuiltImage) => {
  // The image's own top layer: only this image has it, so it must go when the image goes.
  const rec = JSON.parse(readFileSync(join(root, 'images', 'records', `${img.id.slice(7)}.json`), 'utf8')) as { chainIds: string[] };
  return join(root, 'snapshots', 'layers', rec.chainIds[rec.chainIds.length - 1]!.slice(7));
};

before(async () => {
  reg = await startRegistry();
  cleanups.push(() => reg.stop());
  const own = await buildLayer([{ name: 'only-here', content: Buffer.from(`in use ${process.pid}\n`) }]);
  inUse = await pushBusybox(reg, 'library/inuse:1', { layers: [own] });
});

/** Blobs and unpacked layers on disk that no image record (held ones included) lists. */
function unlisted(root: string): string[] {
  const blobs = new Set<string>();
  const chains = new Set<string>();
  const recDir = join(root, 'images', 'records');
  for (const f of readdirSync(recDir).filter((n) => n.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(recDir, f), 'utf8')) as { blobs: string[]; chainIds: string[] };
    r.blobs.forEach((b) => blobs.add(b.slice(7)));
    r.chainIds.forEach((c) => chains.add(c.slice(7)));
  }
  return [
    ...readdirSync(join(root, 'content', 'blobs', 'sha256')).filter((b) => !blobs.has(b)).map((b) => `blob ${b}`),
    ...readdirSync(join(root, 'snapshots', 'layers')).filter((c) => !chains.has(c)).map((c) => `layer ${c}`),
  ];
}

test('RemoveImage of an image in use: listed without names while the container exists, collected with it', async () => {
  const d = await TestDaemon.start({});
  cleanups.push(() => d.destroy());
  const ref = `${reg.host}/library/inuse:1`;
  await d.client.image('PullImage', { image: { image: ref } });
  const meta = { name: 'held', namespace: 'img', uid: `held-${process.pid}`, attempt: 0 };
  const pod = (await d.client.runtime('RunPodSandbox', { config: { metadata: meta, linux: { security_context: { namespace_options: { network: 'NODE' } } } } })).pod_sandbox_id;
  const create = async () =>
    (
      await d.client.runtime('CreateContainer', {
        pod_sandbox_id: pod,
        config: { metadata: { name: `c${Math.random().toString(36).slice(2, 8)}`, attempt: 0 }, image: { image: ref }, command: ['sleep', '3600'] },
        sandbox_config: { metadata: meta },
      })
    ).container_id;
  const ctr = await create();
  const layer = chainDir(d.dirs.root, inUse);

  await d.client.image('RemoveImage', { image: { image: ref } });
  assert.equal((await d.client.image('ImageStatus', { image: { image: ref } })).image, null, 'the tag is gone');
  const listed = (await d.client.image('ListImages', {})).images.find((i) => i.id === inUse.id);
  assert.ok(listed, 'what the container keeps is still listed');
  assert.deepEqual([listed.repo_tags, listed.repo_digests], [[], []]);
  assert.deepEqual(unlisted(d.dirs.root), [], 'nothing on disk that no image lists');
  assert.ok(existsSync(layer));
  // RemoveImage again is fine (idempotent); the container is untouched.
  await d.client.image('RemoveImage', { image: { image: inUse.id } });
  assert.equal((await d.client.runtime('ContainerStatus', { container_id: ctr })).status?.id, ctr);

  await d.client.runtime('RemoveContainer', { container_id: ctr });
  assert.equal((await d.client.image('ListImages', {})).images.find((i) => i.id === inUse.id), undefined, 'collected with its last container');
  assert.deepEqual(unlisted(d.dirs.root), []);
  assert.equal(existsSync(layer), false, 'its own layer is gone');
  assert.deepEqual(readdirSync(join(d.dirs.root, 'content', 'blobs', 'sha256')), [], 'and every blob');

  // Pulled again while held, it gets its name back and is no longer collected with the container.
  await d.client.image('PullImage', { image: { image: ref } });
  const ctr2 = await create();
  await d.client.image('RemoveImage', { image: { image: ref } });
  await d.client.image('PullImage', { image: { image: ref } });
  await d.client.runtime('RemoveContainer', { container_id: ctr2 });
  assert.deepEqual((await d.client.image('ImageStatus', { image: { image: ref } })).image?.repo_tags, [ref]);
  assert.ok(existsSync(layer));
  await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod });
});

test('rktlet rmi refuses an image in use, naming the container; --force untags it and says what is kept', async () => {
  const dirs = makeDirs('rktlet-rmi-inuse-');
  cleanups.push(() => cleanupHost(dirs));
  writeFileSync(dirs.config, `[log]\nlevel = "warn"\n[network]\nconf_dir = "${dirs.cniConfDir}"\n`);
  const cli = (...args: string[]) => runCli(['--root', dirs.root, '--run-root', dirs.runRoot, '--config', dirs.config, ...args]);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `rktlet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const ref = `${reg.host}/library/inuse:1`;
  await ok('pull', ref);
  const pod = (await ok('app', 'sandbox', '--name', `rmi${process.pid}`, '--net', 'host')).trim();
  cleanups.push(async () => void (await cli('pod', 'rm', pod)));
  const ctr = (await ok('app', 'add', pod, ref, '--name', 'user', '--', 'sleep', '3600')).trim();
  const layer = chainDir(dirs.root, inUse);

  const refused = await cli('rmi', ref);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`image ${inUse.id} is in use by 1 container \\(${ctr.slice(0, 12)}\\); remove it first, or remove the image with --force`));
  assert.match(await ok('images'), new RegExp(`${reg.host}/library/inuse\\s+1\\s+${inUse.id.slice(7, 20)}`));

  const forced = await ok('rmi', '--force', ref);
  assert.match(forced, new RegExp(`^Untagged: ${ref}\n`));
  assert.match(forced, new RegExp(`Kept: ${inUse.id}, in use by 1 container \\(${ctr.slice(0, 12)}\\); listed as <none> until it is removed, then deleted\n`));
  assert.match(await ok('images'), new RegExp(`<none>\\s+<none>\\s+${inUse.id.slice(7, 20)}`));
  assert.deepEqual(unlisted(dirs.root), []);

  await ok('app', 'rm', pod, '--app', 'user');
  assert.equal(await ok('images', '-q'), '');
  assert.deepEqual(unlisted(dirs.root), []);
  assert.equal(existsSync(layer), false);
});
