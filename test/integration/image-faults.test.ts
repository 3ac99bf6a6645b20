// Registry faults and stalls through a fault-injecting proxy (test/helpers/fault-proxy.ts) in front
// of a real registry, driven through the daemon's socket: transient faults (5xx, 429, resets, no
// answer) are retried a bounded number of times with backoff; the rest, and faults that outlast
// the retries, fail the pull with a code and a message naming the cause, storing nothing; a
// registry that stops sending cancels the pull after image.pull_progress_timeout_seconds; a
// client that gives up cancels the download unless another client waits for it, and two
// clients pulling one image share one download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../../src/client/cri-client.js';
import { TestDaemon } from '../helpers/daemon.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { storeLeftovers } from '../helpers/pull-probe.js';
import { startRegistry, pushImage, type Registry } from '../helpers/registry.js';
import { buildImage, type BuiltImage } from '../fixtures/oci-image.js';
import { buildLayer } from '../fixtures/tar-layer.js';

const TIMEOUT_S = 2;
const RETRIES = 2;
const DELAY_S = 0.2;

let reg: Registry;
let px: FaultProxy;
let d: TestDaemon;
/** What each fault produced, printed at the end (the figures of the report). */
const outcomes: string[] = [];

before(async () => {
  reg = await startRegistry();
  px = await startFaultProxy(reg);
  d = await TestDaemon.start({
    configToml: [
      '[image]',
      `insecure_registries = ["${px.host}"]`,
      `pull_progress_timeout_seconds = ${TIMEOUT_S}`,
      `pull_retries = ${RETRIES}`,
      `pull_retry_delay_seconds = ${DELAY_S}`,
    ].join('\n'),
  });
});

after(async () => {
  for (const o of outcomes) console.log(o);
  await d?.destroy();
  await px?.stop();
  await reg?.stop();
});

/** An image of `layers` uncompressed layers of random bytes (its own blobs: nothing shared). */
async function pushNoise(name: string, bytes = 1 << 20, layers = 1): Promise<BuiltImage> {
  const ls = [];
  for (let i = 0; i < layers; i++) ls.push(await buildLayer([{ name: `noise-${i}`, content: randomBytes(bytes) }], { compression: 'none' }));
  const img = buildImage({ layers: ls, config: { Labels: { name } } });
  await pushImage(reg, `faults/${name}:1`, img);
  return img;
}

const refOf = (name: string) => `${px.host}/faults/${name}:1`;
const pull = (name: string, c: CriClient = d.client, timeoutMs?: number) =>
  c.image('PullImage', { image: { image: refOf(name) } }, timeoutMs ? { timeoutMs } : undefined);
const imageIds = async () => (await d.client.image('ListImages', {})).images.map((i) => i.id).sort();
const store = () => storeLeftovers(d.dirs.root);

interface GrpcErr {
  code: number;
  details: string;
}

/** Runs a pull that must fail; returns the error and how long it took. */
async function failing(name: string): Promise<{ err: GrpcErr; ms: number }> {
  const t0 = performance.now();
  try {
    await pull(name);
  } catch (err) {
    return { err: err as GrpcErr, ms: Math.round(performance.now() - t0) };
  }
  assert.fail(`pulling ${name} succeeded`);
}

/** Waits (bounded) for the store to be as it was: the daemon may still be rolling back. */
async function settlesTo(want: ReturnType<typeof store>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && JSON.stringify(store()) !== JSON.stringify(want)) await sleep(50);
  assert.deepEqual(store(), want);
}

const blobPath = (digest: string) => `/blobs/${digest}`;

test('5xx answers are retried with backoff and the pull completes', async () => {
  const img = await pushNoise('flaky5xx');
  px.setFaults([
    { path: '/manifests/', status: 503, times: 2 },
    { path: blobPath(img.config.digest), status: 500, times: 1 },
    { path: blobPath(img.layers[0]!.digest), status: 502, times: 1 },
  ]);
  const t0 = performance.now();
  assert.equal((await pull('flaky5xx')).image_ref, img.id);
  const ms = Math.round(performance.now() - t0);
  assert.equal(px.count('/faults/flaky5xx/manifests/'), 3, 'two 503s, then the manifest');
  assert.equal(px.count(blobPath(img.config.digest)), 2);
  assert.equal(px.count(blobPath(img.layers[0]!.digest)), 2);
  // Backoff: 0.2 s then 0.4 s for the manifest at least.
  assert.ok(ms >= (DELAY_S + 2 * DELAY_S) * 1000, `${ms} ms`);
  outcomes.push(`503 x2 on the manifest, 500 on the config, 502 on the layer: pulled after retries in ${ms} ms`);
});

test('a 503 that lasts fails UNAVAILABLE after the bounded retries, storing nothing', async () => {
  await pushNoise('down503');
  px.setFaults([{ path: '/faults/down503/', status: 503 }]);
  const before = store();
  const { err, ms } = await failing('down503');
  assert.equal(err.code, 14, err.details);
  assert.match(err.details, /answered HTTP 503 for manifest faults\/down503:1 \(3 attempts; image\.pull_retries = 2\)/);
  assert.equal(px.count('/faults/down503/manifests/'), RETRIES + 1);
  await settlesTo(before);
  outcomes.push(`503 always: UNAVAILABLE "${err.details}" in ${ms} ms`);
});

test('429 with Retry-After: the wait is the registry\'s; a 429 that lasts fails and rolls back what the pull stored', async () => {
  const img = await pushNoise('ratelimited');
  const layer = blobPath(img.layers[0]!.digest);
  px.setFaults([{ path: layer, status: 429, headers: { 'retry-after': '1' }, times: 1 }]);
  assert.equal((await pull('ratelimited')).image_ref, img.id);
  const tries = px.log.filter((e) => e.path.endsWith(layer));
  assert.equal(tries.length, 2);
  const waited = tries[1]!.at - tries[0]!.at;
  assert.ok(waited >= 950, `waited ${waited} ms after Retry-After: 1`);
  outcomes.push(`429 Retry-After: 1 once on a layer: retried after ${waited} ms, pulled`);

  const img2 = await pushNoise('ratelimited2');
  px.setFaults([{ path: blobPath(img2.layers[0]!.digest), status: 429, headers: { 'retry-after': '0' } }]);
  const before = store();
  const { err, ms } = await failing('ratelimited2');
  assert.equal(err.code, 14, err.details);
  assert.match(err.details, new RegExp(`answered HTTP 429 for blob ${img2.layers[0]!.digest} \\(3 attempts`));
  // The manifest and config were stored before the layer failed: rolled back.
  await settlesTo(before);
  assert.ok(!(await imageIds()).includes(img2.id));
  outcomes.push(`429 always on a layer: UNAVAILABLE "${err.details}" in ${ms} ms; manifest and config rolled back`);
});

test('a connection broken mid-blob resumes with Range, or starts again without; resets that keep happening fail UNAVAILABLE', async () => {
  const img = await pushNoise('reset1');
  const layer = blobPath(img.layers[0]!.digest);
  px.setFaults([{ path: layer, close: true, afterBytes: 300_000, times: 1 }]);
  assert.equal((await pull('reset1')).image_ref, img.id);
  const tries = px.log.filter((e) => e.path.endsWith(layer));
  assert.deepEqual(tries.map((e) => e.fault), ['close', '']);
  // The registry serves ranges: the second request asked for the rest only.
  assert.equal(tries[0]!.bytes + tries[1]!.bytes, img.layers[0]!.size, `${tries[0]!.bytes} + ${tries[1]!.bytes} bytes`);
  assert.deepEqual(store().temp, []);
  outcomes.push(`connection closed after 300000 bytes of a 1 MiB layer, once: resumed with Range (${tries[1]!.bytes} more bytes), pulled`);

  // A registry that serves no ranges: the layer starts again from its first byte (as after a
  // reset that lost the bytes before it).
  const img1 = await pushNoise('reset-noranges');
  const layer1 = blobPath(img1.layers[0]!.digest);
  px.setFaults([
    { path: layer1, close: true, afterBytes: 300_000, noRanges: true, times: 1 },
    { path: layer1, noRanges: true },
  ]);
  assert.equal((await pull('reset-noranges')).image_ref, img1.id);
  const again = px.log.filter((e) => e.path.endsWith(layer1));
  assert.deepEqual(again.map((e) => [e.fault, e.bytes]), [['close', 300_000], ['no-ranges', img1.layers[0]!.size]]);
  assert.deepEqual(store().temp, []);
  outcomes.push('connection closed after 300000 bytes, once, by a registry without ranges: downloaded again from the start, pulled');

  const img2 = await pushNoise('reset2');
  const layer2 = blobPath(img2.layers[0]!.digest);
  px.setFaults([{ path: layer2, reset: true, afterBytes: 300_000 }]);
  const before = store();
  const { err, ms } = await failing('reset2');
  assert.equal(err.code, 14, err.details);
  assert.match(err.details, new RegExp(`connection to registry http://${px.host} broke while fetching layer ${img2.layers[0]!.digest} \\(.+\\) \\(3 attempts`));
  assert.equal(px.count(layer2), RETRIES + 1);
  await settlesTo(before);
  outcomes.push(`reset mid-layer always: UNAVAILABLE "${err.details}" in ${ms} ms`);
});

test('a blob that fails its digest is INVALID_ARGUMENT, not retried, and stores nothing', async () => {
  const img = await pushNoise('corrupt');
  const layer = blobPath(img.layers[0]!.digest);
  px.setFaults([{ path: layer, corrupt: true }]);
  const before = store();
  const { err, ms } = await failing('corrupt');
  assert.equal(err.code, 3, err.details);
  assert.match(err.details, new RegExp(`${img.layers[0]!.digest} does not match its digest|unpacks to`));
  assert.equal(px.count(layer), 1, 'bad data is no transient fault');
  await settlesTo(before);
  outcomes.push(`corrupt layer bytes: INVALID_ARGUMENT "${err.details}" in ${ms} ms`);
});

test('a manifest far past image.max_manifest_bytes is refused early, announced or not', async () => {
  for (const announce of [false, true]) {
    const name = `huge-${announce ? 'announced' : 'chunked'}`;
    px.setFaults([{ path: `/faults/${name}/manifests/`, hugeBody: 64 << 20, announce }]);
    const before = store();
    const { err, ms } = await failing(name);
    assert.equal(err.code, 8, err.details);
    assert.match(err.details, /more than the limit image\.max_manifest_bytes \(4194304\) allows; refused/);
    const sent = px.log.filter((e) => e.path.includes(`/faults/${name}/manifests/`)).map((e) => e.bytes);
    assert.equal(sent.length, 1, 'a refusal is not retried');
    assert.ok(sent[0]! < 16 << 20, `the proxy sent ${sent[0]} bytes of 64 MiB before the daemon hung up`);
    await settlesTo(before);
    outcomes.push(`64 MiB manifest (${announce ? 'Content-Length' : 'chunked'}): RESOURCE_EXHAUSTED "${err.details}" in ${ms} ms, ${sent[0]} bytes read`);
  }
});

test(`a registry that stops sending mid-layer is given up after ${TIMEOUT_S} s, naming the key`, async () => {
  const img = await pushNoise('stall-body', 2 << 20);
  const layer = blobPath(img.layers[0]!.digest);
  px.setFaults([{ path: layer, stallBody: true, afterBytes: 700_000 }]);
  const before = store();
  const { err, ms } = await failing('stall-body');
  assert.equal(err.code, 4, err.details);
  assert.match(err.details, new RegExp(`registry http://${px.host} stopped sending layer ${img.layers[0]!.digest}: no byte for 2 s \\(image\\.pull_progress_timeout_seconds\\); pull cancelled`));
  assert.ok(ms >= TIMEOUT_S * 1000 - 100 && ms < TIMEOUT_S * 1000 + 3000, `${ms} ms`);
  assert.equal(px.count(layer), 1, 'a stall after progress is not retried');
  await settlesTo(before);
  outcomes.push(`stall after 700000 bytes of a 2 MiB layer: DEADLINE_EXCEEDED "${err.details}" in ${ms} ms`);
});

test('a registry that never answers is retried, then given up naming the key', async () => {
  await pushNoise('stall-headers');
  px.setFaults([{ path: '/faults/stall-headers/manifests/', stallHeaders: true }]);
  const before = store();
  const { err, ms } = await failing('stall-headers');
  assert.equal(err.code, 4, err.details);
  assert.match(err.details, /did not answer the request for manifest faults\/stall-headers:1 within 2 s \(image\.pull_progress_timeout_seconds\) \(3 attempts; image\.pull_retries = 2\)/);
  assert.equal(px.count('/faults/stall-headers/manifests/'), RETRIES + 1);
  const bound = (RETRIES + 1) * TIMEOUT_S * 1000 + (DELAY_S + 2 * DELAY_S) * 1000;
  assert.ok(ms >= bound - 200 && ms < bound + 3000, `${ms} ms (bound ${bound})`);
  await settlesTo(before);
  outcomes.push(`no answer to the manifest request: DEADLINE_EXCEEDED "${err.details}" in ${ms} ms`);

  // Once only, on a layer: the retry gets it.
  const img = await pushNoise('stall-once');
  px.setFaults([{ path: blobPath(img.layers[0]!.digest), stallHeaders: true, times: 1 }]);
  const t0 = performance.now();
  assert.equal((await pull('stall-once')).image_ref, img.id);
  outcomes.push(`no answer to a layer request once: retried, pulled in ${Math.round(performance.now() - t0)} ms`);
});

test('a token server that never answers is a stall too, named as such', async () => {
  // Accepts connections and never says a word.
  const silent = createServer(() => undefined);
  const conns = new Set<Socket>();
  silent.on('connection', (c) => conns.add(c));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const realm = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    px.setFaults([{ path: '/faults/token-stall/', status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}/token",service="faults"` } }]);
    const before = store();
    const { err, ms } = await failing('token-stall');
    assert.equal(err.code, 4, err.details);
    assert.match(err.details, new RegExp(`token server ${realm} did not answer the request for a pull token for faults/token-stall within 2 s \\(image\\.pull_progress_timeout_seconds\\) \\(3 attempts`));
    assert.ok(ms < (RETRIES + 1) * (TIMEOUT_S + 1) * 1000 + 3000, `${ms} ms`);
    await settlesTo(before);
    outcomes.push(`token realm that never answers: DEADLINE_EXCEEDED "${err.details}" in ${ms} ms`);
  } finally {
    for (const c of conns) c.destroy();
    silent.close();
  }
});

test('a failing mirror gets one attempt, then the registry itself serves', async () => {
  const img = await pushNoise('mirrored');
  const viaMirror = await TestDaemon.start({
    configToml: [
      '[image]',
      `insecure_registries = ["${px.host}", "${reg.host}"]`,
      `pull_progress_timeout_seconds = ${TIMEOUT_S}`,
      `pull_retries = ${RETRIES}`,
      `pull_retry_delay_seconds = 1`,
      '[image.mirrors]',
      `"${reg.host}" = ["${px.url}"]`,
    ].join('\n'),
  });
  try {
    px.setFaults([{ path: '/faults/mirrored/', status: 503 }]);
    const t0 = performance.now();
    const r = await viaMirror.client.image('PullImage', { image: { image: `${reg.host}/faults/mirrored:1` } });
    const ms = Math.round(performance.now() - t0);
    assert.equal(r.image_ref, img.id);
    assert.equal(px.count('/faults/mirrored/manifests/'), 1, 'no retries against a mirror');
    assert.ok(ms < 1000, `${ms} ms: no backoff spent on the mirror`);
    outcomes.push(`mirror answering 503: one attempt, pulled from the registry in ${ms} ms`);
  } finally {
    await viaMirror.destroy();
  }
});

test('a client that gives up cancels the download it alone waited for', async () => {
  const img = await pushNoise('cancelled', 3 << 20);
  const layer = blobPath(img.layers[0]!.digest);
  px.setFaults([{ path: layer, bytesPerSecond: 1 << 20 }]);
  const before = store();
  const t0 = Date.now();
  await assert.rejects(pull('cancelled', d.client, 1000), { code: 4 });
  // The daemon hangs up on the registry at once (not 3 s later when the layer would be done).
  const until = Date.now() + 3000;
  while (Date.now() < until && !px.log.find((e) => e.path.endsWith(layer))?.endedAt) await sleep(20);
  const entry = px.log.find((e) => e.path.endsWith(layer))!;
  assert.ok(entry.closedEarly, 'the download was cut');
  assert.ok(entry.endedAt - t0 < 2000, `download stopped ${entry.endedAt - t0} ms after the pull began (deadline 1000 ms)`);
  assert.ok(entry.bytes < 3 << 20);
  await settlesTo(before);
  assert.ok(!(await imageIds()).includes(img.id));
  outcomes.push(`client deadline 1 s on a 3 s download: the daemon stopped the download after ${entry.endedAt - t0} ms, ${entry.bytes} bytes in; nothing stored`);
});

test('two clients pulling one image at once share one download, also when one gives up', async () => {
  const img = await pushNoise('shared', 1 << 20, 2);
  px.setFaults(img.layers.map((l) => ({ path: blobPath(l.digest), bytesPerSecond: 1 << 20 })));
  const other = new CriClient(d.dirs.socket);
  try {
    const [a, b] = await Promise.all([pull('shared'), pull('shared', other)]);
    assert.equal(a.image_ref, img.id);
    assert.equal(b.image_ref, img.id);
    for (const l of img.layers) assert.equal(px.count(blobPath(l.digest)), 1, `layer ${l.digest} fetched once`);
    assert.equal(px.count(blobPath(img.config.digest)), 1);

    const img2 = await pushNoise('shared-giveup', 2 << 20);
    const layer = blobPath(img2.layers[0]!.digest);
    px.setFaults([{ path: layer, bytesPerSecond: 1 << 20 }]);
    const quitter = pull('shared-giveup', d.client, 700);
    const stayer = pull('shared-giveup', other);
    await assert.rejects(quitter, { code: 4 });
    const t0 = performance.now();
    assert.equal((await stayer).image_ref, img2.id);
    assert.ok(performance.now() - t0 > 300, 'the other client was still waiting when the first gave up');
    assert.equal(px.count(layer), 1, 'the download went on for the other client');
    assert.ok(!px.log.find((e) => e.path.endsWith(layer))!.closedEarly);
    assert.ok((await imageIds()).includes(img2.id));
    // The quitter's rollback spared what the other pull stored (its leases hold them).
    const blobs = store().blobs;
    for (const b of [img2.manifest.digest, img2.config.digest, img2.layers[0]!.digest]) assert.ok(blobs.includes(b.slice(7)), `${b} kept`);
    assert.deepEqual(store().temp, []);
    outcomes.push('two clients, same image (2 layers): each blob fetched once; one client giving up at 0.7 s of a 2 s download: the other completed, one download');
  } finally {
    other.close();
  }
  // The daemon still serves.
  await d.client.runtime('Version', {});
});
