// Compression bombs and oversized images through the daemon's socket: hostile zstd frames (a huge
// declared window, RLE blocks expanding 32768-fold) and gzip bombs are refused while every other
// CRI call keeps answering in milliseconds and the daemon's memory stays where it was; layer,
// image, entry, manifest and config bounds refuse with RESOURCE_EXHAUSTED naming their key; and
// nothing of a refused pull is kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { TestDaemon } from '../helpers/daemon.js';
import { startRegistry, pushImage, type Registry } from '../helpers/registry.js';
import { memOf, storeLeftovers, whileCalling } from '../helpers/pull-probe.js';
import { buildImage } from '../fixtures/oci-image.js';
import { buildLayer, sha256, tarOf, type BuiltLayer } from '../fixtures/tar-layer.js';
import { zstdBombLayer, zstdHugeWindowLayer } from '../fixtures/zstd-frame.js';

const MiB = 1024 * 1024;
const LIMITS = {
  max_layer_unpacked_bytes: 16 * MiB,
  max_image_unpacked_bytes: 20 * MiB,
  max_layer_entries: 5000,
  max_manifest_bytes: 256 * 1024,
  max_config_bytes: 256 * 1024,
};

let reg: Registry;
let d: TestDaemon;
before(async () => {
  reg = await startRegistry();
  const keys = Object.entries(LIMITS).map(([k, v]) => `${k} = ${v}`);
  d = await TestDaemon.start({ configToml: ['[image]', `insecure_registries = ["${reg.host}"]`, ...keys].join('\n') + '\n' });
});
after(async () => {
  await d?.destroy();
  await reg?.stop();
});

const pull = (ref: string) => d.client.image('PullImage', { image: { image: `${reg.host}/${ref}` } });

async function push(ref: string, layers: BuiltLayer[], config?: Record<string, unknown>): Promise<void> {
  await pushImage(reg, ref, buildImage({ layers, ...(config ? { config } : {}) }));
}

/** Refused with gRPC code `code` and a message matching `msg`. */
async function refused(ref: string, code: number, msg: RegExp): Promise<string> {
  let details = '';
  await assert.rejects(pull(ref), (err: { code: number; details: string }) => {
    details = err.details;
    assert.equal(err.code, code, `${ref}: ${err.details}`);
    assert.match(err.details, msg, `${ref}: ${err.details}`);
    return true;
  });
  return details;
}

function leftovers(): string[] {
  const l = storeLeftovers(d.dirs.root);
  return [...l.blobs, ...l.layers, ...l.temp];
}

const probe = (work: () => Promise<unknown>) => whileCalling(d.dirs.socket, d.proc.pid!, work);

test('hostile zstd layers fail cleanly while other calls answer in milliseconds and memory stays put', async (t) => {
  await push('hostile/zwindow:1', [zstdHugeWindowLayer(41)]);
  await push('hostile/zwindow31:1', [zstdHugeWindowLayer(31)]);
  // 2 GiB of zeros in about 64 KiB of layer (the bomb: 64 KiB that grew the daemon by 2 GiB).
  const bomb = zstdBombLayer(2 * 1024 * MiB);
  assert.ok(bomb.size < 80 * 1024, `bomb is ${bomb.size} bytes`);
  await push('hostile/zbomb:1', [bomb]);
  // A warm daemon: the first pull loads what pulls use.
  await push('plain/small:1', [await buildLayer([{ name: 'f', content: 'x' }], { compression: 'zstd' })]);
  await pull('plain/small:1');
  const before = memOf(d.proc.pid!);
  const messages: string[] = [];
  const r = await probe(async () => {
    for (let round = 0; round < 3; round++) {
      messages.push(await refused('hostile/zwindow:1', 8, /needs a window beyond zstd's 2 GiB maximum, larger than image\.zstd_max_window_bytes \(134217728 bytes\) allows \(window size exceeded\); refused/));
      messages.push(await refused('hostile/zwindow31:1', 8, /needs a 2147483648-byte window/));
      messages.push(await refused('hostile/zbomb:1', 8, /unpacks to more than 16777216 bytes, the limit image\.max_layer_unpacked_bytes sets/));
    }
  });
  const afterMem = memOf(d.proc.pid!);
  t.diagnostic(`other calls: ${r.calls}, slowest ${r.slowestMs.toFixed(1)} ms`);
  t.diagnostic(`daemon VmRSS ${(before.rss / MiB).toFixed(1)} -> ${(afterMem.rss / MiB).toFixed(1)} MiB, sampled peak ${(r.peakRss / MiB).toFixed(1)} MiB, VmHWM ${(before.hwm / MiB).toFixed(1)} -> ${(afterMem.hwm / MiB).toFixed(1)} MiB`);
  t.diagnostic(`messages: ${[...new Set(messages)].join(' | ')}`);
  assert.ok(r.calls >= 10, `only ${r.calls} calls answered`);
  assert.ok(r.slowestMs < 500, `a call took ${r.slowestMs.toFixed(0)} ms during the hostile pulls`);
  assert.ok(r.peakRss - before.rss < 100 * MiB, `daemon RSS grew by ${((r.peakRss - before.rss) / MiB).toFixed(0)} MiB`);
  assert.ok(afterMem.hwm - before.hwm < 100 * MiB, `daemon peak RSS grew by ${((afterMem.hwm - before.hwm) / MiB).toFixed(0)} MiB`);
  await d.client.image('RemoveImage', { image: { image: `${reg.host}/plain/small:1` } });
  assert.deepEqual(leftovers(), []);
  assert.deepEqual((await d.client.image('ListImages', {})).images, []);
});

test('a gzip bomb stops at the layer bound with RESOURCE_EXHAUSTED naming the key', async (t) => {
  const tar = await tarOf([{ name: 'zeros', content: Buffer.alloc(20 * MiB) }]);
  const blob = gzipSync(tar, { level: 9 });
  const layer: BuiltLayer = { blob, digest: sha256(blob), diffId: sha256(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: blob.length };
  assert.ok(layer.size < 32 * 1024, `gzip bomb is ${layer.size} bytes`);
  await push('hostile/gzbomb:1', [layer]);
  const r = await probe(() => refused('hostile/gzbomb:1', 8, /layer sha256:[0-9a-f]{64} unpacks to more than 16777216 bytes, the limit image\.max_layer_unpacked_bytes sets; refused/));
  t.diagnostic(`gzip bomb of ${layer.size} bytes; slowest other call ${r.slowestMs.toFixed(1)} ms`);
  assert.ok(r.slowestMs < 500);
  assert.deepEqual(leftovers(), []);
});

test('layers within their bound but over the image bound are refused, naming image.max_image_unpacked_bytes', async () => {
  const a = await buildLayer([{ name: 'a', content: Buffer.alloc(11 * MiB, 1) }]);
  const b = await buildLayer([{ name: 'b', content: Buffer.alloc(11 * MiB, 2) }]);
  await push('hostile/toobig:1', [a, b]);
  await refused('hostile/toobig:1', 8, /image .*hostile\/toobig:1 unpacks to more than 20971520 bytes, the limit image\.max_image_unpacked_bytes sets/);
  assert.deepEqual(leftovers(), []);
  // Each alone fits.
  await push('plain/a:1', [a]);
  await pull('plain/a:1');
  await d.client.image('RemoveImage', { image: { image: `${reg.host}/plain/a:1` } });
});

test('a layer of more entries than image.max_layer_entries is refused (a million empty files would be counted too)', async () => {
  const entries = Array.from({ length: 5001 }, (_, i) => ({ name: `e/${i}`, content: '' }));
  await push('hostile/entries:1', [await buildLayer(entries)]);
  await refused('hostile/entries:1', 8, /has more than 5000 entries, the limit image\.max_layer_entries sets/);
  assert.deepEqual(leftovers(), []);
});

test('a manifest or config over its bound is refused before it is stored', async () => {
  const layer = await buildLayer([{ name: 'f', content: 'x' }]);
  const img = buildImage({ layers: [layer], annotations: { padding: 'x'.repeat(300 * 1024) } });
  await pushImage(reg, 'hostile/bigmanifest:1', img);
  await refused('hostile/bigmanifest:1', 8, /is \S+ bytes, more than the limit image\.max_manifest_bytes \(262144\) allows/);
  await push('hostile/bigconfig:1', [layer], { Labels: { padding: 'y'.repeat(300 * 1024) } });
  await refused('hostile/bigconfig:1', 8, /image config sha256:[0-9a-f]{64} is \d+ bytes, more than the limit image\.max_config_bytes \(262144\) allows/);
  assert.deepEqual(leftovers(), []);
});
