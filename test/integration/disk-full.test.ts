// The state disk full (issue 17, item 4a): the daemon's root is a small tmpfs of the test's own,
// filled to the last block by a filler file. Calls that need space fail with RESOURCE_EXHAUSTED
// naming what could not be written; what was stored before (pod and container records, images, the
// content store) still reads back and verifies, and no temp file is left; the daemon stays up;
// once the filler is gone the same calls succeed, and a daemon restarted on that state finds it all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { status as Grpc } from '@grpc/grpc-js';
import { TestDaemon, makeDirs, uniqueNetwork, type DaemonDirs } from '../helpers/daemon.js';
import { imageConfigToml, pushBusybox, startRegistry, type Registry } from '../helpers/registry.js';

let reg: Registry;
let dirs: DaemonDirs;
let d: TestDaemon;
let filler: string;

before(async () => {
  reg = await startRegistry();
  await pushBusybox(reg, 'library/busybox:latest');
  await pushBusybox(reg, 'library/other:latest', { config: { Env: ['PATH=/bin', 'OTHER=1'] } });
  dirs = makeDirs('rktlet-disk-full-');
  const disk = join(dirs.base, 'disk');
  mkdirSync(disk);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', disk]).status, 0, 'mounting the small tmpfs');
  dirs.root = join(disk, 'root');
  filler = join(disk, 'filler');
  const net = uniqueNetwork();
  dirs.bridge = net.bridge;
  dirs.subnet = net.subnet;
  writeFileSync(
    dirs.config,
    ['[log]', 'level = "debug"', '[network]', `conf_dir = "${dirs.cniConfDir}"`, `default_bridge = "${net.bridge}"`, `default_subnet = "${net.subnet}"`, imageConfigToml(reg)].join('\n'),
  );
  d = await TestDaemon.start({ dirs });
});

after(async () => {
  rmSync(filler, { force: true });
  await d?.destroy(); // unmounts the tmpfs with everything else under dirs.base
  await reg?.stop();
});

const image = () => `${reg.host}/library/busybox:latest`;

function podReq(name: string) {
  return { config: { metadata: { name, namespace: 'full', uid: `uid-${name}`, attempt: 0 }, hostname: name } };
}
function ctrReq(podId: string, name: string) {
  return {
    pod_sandbox_id: podId,
    config: { metadata: { name, attempt: 0 }, image: { image: image() }, command: ['sleep', '3600'] },
    sandbox_config: podReq('x').config,
  };
}

/** Writes the filler until the disk refuses a single byte more. */
function fillDisk(): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  try {
    for (let buf = chunk; buf.length > 0; ) {
      try {
        writeSync(fd, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        buf = buf.subarray(0, buf.length >> 1);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Every file under a dir, recursively (relative paths). */
function walk(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = join(rel, e.name);
    return e.isDirectory() ? walk(dir, r) : [r];
  });
}

function blobsVerify(): number {
  const blobs = join(dirs.root, 'content', 'blobs', 'sha256');
  const names = readdirSync(blobs).filter((n) => /^[0-9a-f]{64}$/.test(n));
  for (const n of names) assert.equal(createHash('sha256').update(readFileSync(join(blobs, n))).digest('hex'), n, `blob ${n}`);
  return names.length;
}

/** Every JSON record in the state parses (a torn write would not). */
function recordsParse(): number {
  const files = walk(dirs.root).filter((f) => f.endsWith('.json') && !f.includes('snapshots/'));
  for (const f of files) JSON.parse(readFileSync(join(dirs.root, f), 'utf8'));
  return files.length;
}

function rejectsExhausted(p: Promise<unknown>, what: RegExp): Promise<void> {
  return assert.rejects(p, (err: { code: number; details: string }) => {
    assert.equal(err.code, Grpc.RESOURCE_EXHAUSTED, err.details);
    assert.match(err.details, what);
    return true;
  });
}

test('a full state disk: RESOURCE_EXHAUSTED naming what could not be written, nothing stored is harmed, and it recovers', async () => {
  const c = d.client;
  await c.image('PullImage', { image: { image: image() } });
  const podA = (await c.runtime('RunPodSandbox', podReq('a'))).pod_sandbox_id;
  const ctrA = (await c.runtime('CreateContainer', ctrReq(podA, 'a'))).container_id;
  await c.runtime('StartContainer', { container_id: ctrA });
  const blobsBefore = blobsVerify();
  const recordsBefore = recordsParse();

  fillDisk();
  assert.ok(statSync(filler).size > 1 << 20);

  await rejectsExhausted(c.runtime('RunPodSandbox', podReq('b')), /cannot write .*: no space left on device \(ENOSPC\)/);
  await rejectsExhausted(c.runtime('CreateContainer', ctrReq(podA, 'a2')), /no space left on device/);
  await rejectsExhausted(c.image('PullImage', { image: { image: `${reg.host}/library/other:latest` } }), /no space left on device/);

  // What was there is intact and still answers; nothing half-written is left.
  assert.deepEqual((await c.runtime('ListPodSandbox', {})).items.map((p) => p.id), [podA]);
  assert.deepEqual((await c.runtime('ListContainers', {})).containers.map((x) => [x.id, x.state]), [[ctrA, 'CONTAINER_RUNNING']]);
  assert.equal((await c.image('ListImages', {})).images.length, 1);
  assert.equal(blobsVerify(), blobsBefore);
  assert.equal(recordsParse(), recordsBefore);
  assert.deepEqual(walk(dirs.root).filter((f) => /\.tmp$|\.partial$/.test(f)), [], 'temp files left');
  const ex = await c.runtime('ExecSync', { container_id: ctrA, cmd: ['echo', 'alive'], timeout: 10 });
  assert.equal(Buffer.from(ex.stdout).toString(), 'alive\n');

  // Space back: the same calls succeed.
  rmSync(filler);
  const podB = (await c.runtime('RunPodSandbox', podReq('b'))).pod_sandbox_id;
  const ctrA2 = (await c.runtime('CreateContainer', ctrReq(podA, 'a2'))).container_id;
  await c.image('PullImage', { image: { image: `${reg.host}/library/other:latest` } });
  blobsVerify();

  // A restart on that state finds it all.
  await d.stop();
  d = await TestDaemon.start({ dirs });
  assert.deepEqual((await d.client.runtime('ListPodSandbox', {})).items.map((p) => p.id).sort(), [podA, podB].sort());
  assert.deepEqual((await d.client.runtime('ListContainers', {})).containers.map((x) => x.id).sort(), [ctrA, ctrA2].sort());
  assert.equal((await d.client.image('ListImages', {})).images.length, 2);
});
