// Every hostile layer of test/fixtures/hostile-layers.ts pulled through the daemon's socket from
// a real registry: nothing outside the unpack root changes (a watched host directory the layers
// aim at, and the directory holding the state root), the daemon keeps answering another client,
// nothing of a refused pull is kept (no blob, layer, temp file or image), and the refusal has the
// right code and says why. Harmless-but-odd content (long names, devices, setuid, a symlink in one
// layer and a file under its name in the next) is pulled and kept inside the root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDaemon } from '../helpers/daemon.js';
import { corruptBlob, pushImage, startRegistry, type Registry } from '../helpers/registry.js';
import { storeLeftovers, whileCalling } from '../helpers/pull-probe.js';
import { buildImage } from '../fixtures/oci-image.js';
import { hostileCases } from '../fixtures/hostile-layers.js';

let reg: Registry;
let d: TestDaemon;
let host: string;

before(async () => {
  reg = await startRegistry();
  host = mkdtempSync(join(tmpdir(), 'rktlet-hostile-host-'));
  writeFileSync(join(host, 'victim'), 'original');
  mkdirSync(join(host, 'sub'));
  writeFileSync(join(host, 'sub', 'inner'), 'inner');
  d = await TestDaemon.start({ configToml: `[image]\ninsecure_registries = ["${reg.host}"]\nmax_layer_unpacked_bytes = ${16 * 1024 * 1024}\n` });
  writeFileSync(join(d.dirs.base, 'canary'), 'canary');
});
after(async () => {
  await d?.destroy();
  await reg?.stop();
  if (host) rmSync(host, { recursive: true, force: true });
});

/** Every entry under dir (not following symlinks): type, mode, owner, size, content hash or link target. */
function tree(dir: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const p = rel ? join(dir, rel) : dir;
    const st = lstatSync(p);
    let what = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size}`;
    if (st.isSymbolicLink()) what += ` -> ${readlinkSync(p)}`;
    else if (st.isFile()) what += ' ' + createHash('sha256').update(readFileSync(p)).digest('hex');
    out[rel || '.'] = what;
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) if (!(rel === '' && skip.includes(n))) walk(rel ? `${rel}/${n}` : n);
  };
  walk('');
  return out;
}

/** What hostile layers aim at: the host dir, and the dir holding root/ and run/ (not their insides). */
function watched(): Record<string, string> {
  const base = tree(d.dirs.base, ['root', 'run', 'cni', 'rktlet.toml']);
  return { ...Object.fromEntries(Object.entries(tree(host)).map(([k, v]) => [`host/${k}`, v])), ...Object.fromEntries(Object.entries(base).map(([k, v]) => [`base/${k}`, v])) };
}

test('hostile layers change nothing outside the unpack root, keep nothing partial, and leave the daemon answering', async (t) => {
  // A layer unpacks in <root>/snapshots/tmp/<process dir>/<layer dir>: five levels below base.
  const cases = await hostileCases({ host, up: '../../../../../' });
  const before = watched();
  assert.equal(before['base/canary']?.split(' ').pop(), createHash('sha256').update('canary').digest('hex'));
  const outcomes: string[] = [];
  const probe = await whileCalling(d.dirs.socket, d.proc.pid!, async () => {
    for (const c of cases) {
      const name = `hostile/${c.name}:1`;
      const image = buildImage({ layers: c.layers });
      await pushImage(reg, name, image);
      if (c.corrupt) corruptBlob(reg, c.layers[0]!.digest);
      const pulling = d.client.image('PullImage', { image: { image: `${reg.host}/${name}` } });
      const expect = c.expect;
      if (expect === 'ok') {
        assert.equal((await pulling).image_ref, image.id, c.name);
        await d.client.image('RemoveImage', { image: { image: image.id } });
        outcomes.push(`${c.name}: pulled`);
      } else {
        await assert.rejects(pulling, (err: { code: number; details: string }) => {
          assert.equal(err.code, expect.code, `${c.name}: ${err.details}`);
          assert.match(err.details, expect.message, c.name);
          outcomes.push(`${c.name}: ${err.code} ${err.details.replace(/sha256:[0-9a-f]{64}/g, 'sha256:…').replace(/\.\.\/(\.\.\/)+/g, '../…/')}`);
          return true;
        });
      }
      assert.deepEqual(watched(), before, `${c.name} (${c.why}) changed something outside the unpack root`);
      const left = storeLeftovers(d.dirs.root);
      assert.deepEqual(left, { blobs: [], layers: [], temp: [] }, `${c.name} left something behind`);
      assert.deepEqual((await d.client.image('ListImages', {})).images, [], c.name);
    }
  });
  for (const o of outcomes) t.diagnostic(o);
  t.diagnostic(`${cases.length} cases; other client: ${probe.calls} calls, slowest ${probe.slowestMs.toFixed(1)} ms`);
  assert.ok(probe.slowestMs < 500, `a Version/ListPodSandbox call took ${probe.slowestMs.toFixed(0)} ms`);
  assert.equal(readFileSync(join(host, 'victim'), 'utf8'), 'original');
});
