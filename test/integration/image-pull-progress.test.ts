// What `rktlet pull` prints: off a terminal, plain lines (each layer as it is ready, the digest,
// then whether it downloaded a newer image or was up to date, then the ID); on a terminal (a pty
// from `script`), the layers and the total redrawn in place.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { makeDirs, runCli, cleanupHost, RKTLET_BIN, type DaemonDirs } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, type Registry } from '../helpers/registry.js';
import { buildLayer } from '../fixtures/tar-layer.js';
import type { BuiltImage } from '../fixtures/oci-image.js';

let reg: Registry;
let dirs: DaemonDirs;
let img: BuiltImage;
let big: BuiltImage['layers'][number];
after(async () => {
  await reg?.stop();
  if (dirs) cleanupHost(dirs);
});

before(async () => {
  reg = await startRegistry();
  // A layer of a few MB of random bytes, so the download comes in many chunks.
  big = await buildLayer([{ name: 'noise', content: randomBytes(3_000_000) }]);
  img = await pushBusybox(reg, 'library/progress:1', { layers: [big] });
  dirs = makeDirs('rktlet-pullprog-');
  writeFileSync(dirs.config, `[log]\nlevel = "warn"\n[network]\nconf_dir = "${dirs.cniConfDir}"\n`);
});

const globals = () => ['--root', dirs.root, '--run-root', dirs.runRoot, '--config', dirs.config];
const short = (d: string) => d.slice(7, 19);
const ESC = String.fromCharCode(27);

test('off a terminal: plain lines, "Downloaded newer image" after a download, "Image is up to date" after none', async () => {
  const ref = `${reg.host}/library/progress:1`;
  const first = await runCli(['pull', ref, ...globals()]);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(!first.stdout.includes(ESC), 'no control codes off a terminal');
  // Layers are listed as they finish (downloads run in parallel).
  const lines = first.stdout.split('\n');
  assert.deepEqual(lines.slice(1, 1 + img.layers.length).map((l) => l.replace(/ \([0-9.]+[kM]?B\)$/, '')).sort(), img.layers.map((l) => `${short(l.digest)}: Pull complete`).sort());
  assert.deepEqual([lines[0], ...lines.slice(1 + img.layers.length)], [`Pulling ${ref}`, `Digest: ${img.manifest.digest}`, `Status: Downloaded newer image for ${ref}`, img.id, '']);

  const again = await runCli(['pull', ref, ...globals()]);
  assert.equal(again.code, 0, again.stderr);
  // Layers are checked in parallel too: their lines come in the order the checks finish.
  const existing = img.layers.map((l) => `${short(l.digest)}: Already exists`).sort();
  const layersSorted = (out: string) => {
    const l = out.split('\n');
    return [l[0], ...l.slice(1, 1 + img.layers.length).sort(), ...l.slice(1 + img.layers.length)];
  };
  assert.deepEqual(layersSorted(again.stdout), [`Pulling ${ref}`, ...existing, `Digest: ${img.manifest.digest}`, `Status: Image is up to date for ${ref}`, img.id, '']);

  // The tag moved to another image made of the same layers: nothing to download, but newer.
  const relabeled = await pushBusybox(reg, 'library/progress:1', { layers: [big], config: { Labels: { v: '2' } } });
  assert.deepEqual(relabeled.layers.map((l) => l.digest), img.layers.map((l) => l.digest));
  const moved = await runCli(['pull', ref, ...globals()]);
  assert.deepEqual(layersSorted(moved.stdout), [`Pulling ${ref}`, ...existing, `Digest: ${relabeled.manifest.digest}`, `Status: Downloaded newer image for ${ref}`, relabeled.id, '']);
  const quiet = await runCli(['pull', '-q', ref, ...globals()]);
  assert.equal(quiet.stdout, `${relabeled.id}\n`);
});

test('on a terminal: layers and bytes redrawn in place, then the verdict', async () => {
  const ref = `${reg.host}/library/progress:1`;
  const rmi = await runCli(['rmi', ref, img.id, ...globals()]);
  assert.equal(rmi.code, 0, rmi.stderr);
  const cmd = [process.execPath, RKTLET_BIN, 'pull', `${reg.host}/library/progress:1`, ...globals()].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TERM: 'xterm' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, new RegExp(`${ESC}\\[\\d+A`), 'the block is redrawn in place (cursor up)');
  assert.ok(out.includes(`${ESC}[2K`), 'each line erased before it is rewritten');
  assert.match(out, /: Waiting\r?\n/);
  assert.match(out, /Layers 0\/\d+, downloaded 0B\//);
  // The last drawing: every layer complete, the total in bytes.
  assert.match(out, /Layers (\d+)\/\1, downloaded [0-9.]+MB\/[0-9.]+MB\r?\n(?!.*Layers)/s);
  assert.match(out, new RegExp(`Status: Downloaded newer image for ${ref}\r?\n`));
});
