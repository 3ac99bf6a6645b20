// Plain HTTP and TLS failures with the embedded image defaults (no image.insecure_registries):
// registries on loopback are reached as docker and containerd reach them (HTTPS first, then plain
// HTTP); any other registry must speak verified TLS, and when it does not, the error names the
// registry and the key that allows it, never OpenSSL's words.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { TestDaemon, makeDirs, runCli, cleanupHost, type DaemonDirs } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, type Registry } from '../helpers/registry.js';
import { addHostAddress } from '../helpers/host-address.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function registry(opts: Parameters<typeof startRegistry>[0] = {}): Promise<Registry> {
  const r = await startRegistry(opts);
  cleanups.push(() => r.stop());
  return r;
}

/** A daemon whose config has no [image] table: the image defaults are the embedded ones. */
async function daemon(configToml = ''): Promise<TestDaemon> {
  const d = await TestDaemon.start(configToml ? { configToml } : {});
  cleanups.push(() => d.destroy());
  return d;
}

/** CLI verbs on a state root of their own, with a config that has no [image] table either. */
function cliRoot(): (...args: string[]) => ReturnType<typeof runCli> {
  const dirs: DaemonDirs = makeDirs('rktlet-plainhttp-');
  cleanups.push(() => cleanupHost(dirs));
  writeFileSync(dirs.config, `[log]\nlevel = "warn"\n[network]\nconf_dir = "${dirs.cniConfDir}"\n`);
  return (...args) => runCli([...args, '--root', dirs.root, '--run-root', dirs.runRoot, '--config', dirs.config]);
}

const pullErr = (d: TestDaemon, image: string) =>
  d.client.image('PullImage', { image: { image } }).then(
    () => assert.fail(`${image} was pulled`),
    (e: { code: number; details: string }) => e,
  );

test('a plain-HTTP registry on loopback is pulled with the embedded defaults, through the socket and the CLI', async () => {
  const reg = await registry();
  const img = await pushBusybox(reg, 'library/busybox:latest');
  const port = reg.host.split(':')[1]!;
  const d = await daemon();
  assert.equal((await d.client.image('PullImage', { image: { image: `${reg.host}/library/busybox:latest` } })).image_ref, img.id);
  assert.equal((await d.client.image('PullImage', { image: { image: `localhost:${port}/library/busybox:latest` } })).image_ref, img.id);
  const cli = cliRoot();
  const r = await cli('pull', `127.0.0.1:${port}/library/busybox:latest`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(img.id));
});

test('a plain-HTTP registry elsewhere than loopback is refused, naming it and image.insecure_registries', async () => {
  const addr = addHostAddress();
  cleanups.push(() => addr.remove());
  const reg = await registry({ address: addr.address });
  const img = await pushBusybox(reg, 'library/busybox:latest');
  const ref = `${reg.host}/library/busybox:latest`;
  const d = await daemon();
  const e = await pullErr(d, ref);
  assert.equal(e.code, 9, e.details); // FAILED_PRECONDITION: the configuration decides
  assert.match(e.details, new RegExp(`registry ${reg.host.replace(/\./g, '\\.')} does not answer over TLS`));
  assert.match(e.details, new RegExp(`image\\.insecure_registries: add "${reg.host.replace(/\./g, '\\.')}"`));
  assert.doesNotMatch(e.details, /ssl|wrong version number|0A00/i);
  assert.equal((await d.client.image('ListImages', {})).images.length, 0);

  const cli = cliRoot();
  const r = await cli('pull', ref);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not answer over TLS.*image\.insecure_registries/);
  assert.doesNotMatch(r.stderr, /ssl|wrong version number/i);

  // Listed, the same registry works (so the refusal was the policy, not the address), also as
  // docker.io's mirror; the pause image it serves is pinned.
  const d2 = await daemon(`[image]\ninsecure_registries = ["${reg.host}"]\n[image.mirrors]\n"docker.io" = ["${reg.url}"]\n[pod]\npause_image = "busybox:latest"\n`);
  assert.equal((await d2.client.image('PullImage', { image: { image: ref } })).image_ref, img.id);
  await d2.client.image('PullImage', { image: { image: 'busybox' } });
  const imgs = (await d2.client.image('ListImages', {})).images;
  assert.equal(imgs.length, 1);
  assert.equal(imgs[0]!.pinned, true, 'the pause image is pinned');
});

test('HTTPS with a self-signed certificate: accepted on loopback, refused elsewhere unless listed', async () => {
  const local = await registry({ tls: true });
  const localImg = await pushBusybox(local, 'library/busybox:tls');
  const addr = addHostAddress();
  cleanups.push(() => addr.remove());
  const remote = await registry({ tls: true, address: addr.address });
  const remoteImg = await pushBusybox(remote, 'library/busybox:tls');
  assert.match(remote.url, /^https:\/\/10\./);
  const d = await daemon();
  assert.equal((await d.client.image('PullImage', { image: { image: `${local.host}/library/busybox:tls` } })).image_ref, localImg.id);
  const e = await pullErr(d, `${remote.host}/library/busybox:tls`);
  assert.equal(e.code, 9, e.details);
  assert.match(e.details, new RegExp(`cannot reach registry ${remote.host.replace(/\./g, '\\.')} over TLS: its certificate is self-signed`));
  assert.match(e.details, /image\.insecure_registries/);
  const d2 = await daemon(`[image]\ninsecure_registries = ["${remote.host}"]\n`);
  assert.equal((await d2.client.image('PullImage', { image: { image: `${remote.host}/library/busybox:tls` } })).image_ref, remoteImg.id);
});
