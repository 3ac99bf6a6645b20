import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { createZstdDecompress, declaredWindow, windowLogFor } from './zstd.js';
import { ResourceExhaustedError, InvalidArgumentError } from '../errors/catalog.js';
import { zstdFrame, zeroBlocks, zstdHugeWindowLayer } from '../../test/fixtures/zstd-frame.js';

const opts = { maxWindowBytes: 128 * 1024 * 1024, windowKey: 'image.zstd_max_window_bytes', what: 'layer L' };

async function drain(src: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src.pipe(createZstdDecompress(opts))) out.push(c as Buffer);
  return Buffer.concat(out);
}

test('zstd streams decompress (zstd(1) output, split into small chunks)', async () => {
  const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 'a')]);
  const z = execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 24 });
  const chunks: Buffer[] = [];
  for (let i = 0; i < z.length; i += 1000) chunks.push(z.subarray(i, i + 1000));
  assert.ok((await drain(Readable.from(chunks))).equals(data));
});

test('corrupt zstd data is INVALID_ARGUMENT with zstd\'s complaint', async () => {
  const bad = Readable.from([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8])]);
  await assert.rejects(drain(bad), (err: Error) => {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.match(err.message, /^layer L is not valid zstd data: /);
    return true;
  });
});

test('a frame declaring a window over the bound is refused before any output, naming the key', async () => {
  for (const windowLog of [28, 31, 41]) {
    await assert.rejects(drain(Readable.from([zstdHugeWindowLayer(windowLog).blob])), (err: Error) => {
      assert.ok(err instanceof ResourceExhaustedError, `${windowLog}: ${String(err)}`);
      assert.match(err.message, /window size exceeded/);
      assert.match(err.message, /image\.zstd_max_window_bytes \(134217728 bytes\)/);
      return true;
    });
  }
  // The bound itself passes.
  assert.equal((await drain(Readable.from([zstdHugeWindowLayer(27).blob]))).length, 1536);
});

/** Reads `bytes` of a zstd stream slowly, then drops it: the RSS growth and the longest event-loop stall. */
async function readSome(frame: Buffer, bytes: number): Promise<{ grew: number; lag: number; z: ReturnType<typeof createZstdDecompress> }> {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const z = createZstdDecompress(opts);
  Readable.from([frame]).pipe(z);
  let lag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 5);
    last = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  let got = 0;
  try {
    for await (const c of z) {
      got += (c as Buffer).length;
      if (got >= bytes) break;
      if (got % (8 << 20) < (c as Buffer).length) await sleep(20);
    }
  } finally {
    clearInterval(timer);
  }
  return { grew: Math.max(peak, process.memoryUsage().rss) - rss0, lag, z };
}

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);

// What the process grows by is the decoder's window plus output chunks already read and dropped
// that the GC has not collected yet: V8 collects once such external memory passes about 64 MiB, so
// that part is bounded too, whatever the bomb's size.
const GC_SLACK = 96 * 1024 * 1024;

test('a bomb is decompressed only as fast as it is read, off the event loop, and stops when dropped', async (t) => {
  // 4 GiB of zeros in 128 KiB of layer, 1 MiB window: read 256 MiB of it slowly, then let go.
  const { grew, lag, z } = await readSome(zstdFrame(20, zeroBlocks(4 * 1024 * 1024 * 1024)), 256 * 1024 * 1024);
  t.diagnostic(`1 MiB window, 256 MiB read: RSS +${mib(grew)} MiB, longest event-loop stall ${lag.toFixed(0)} ms`);
  assert.ok(grew < 1024 * 1024 + GC_SLACK, `rss grew ${grew} bytes while reading 256 MiB of a 4 GiB bomb`);
  assert.ok(lag < 200, `the event loop stalled for ${lag.toFixed(0)} ms`);
  // Breaking out destroyed the stream, which frees the decoder.
  assert.ok(z.destroyed);
});

test('a bomb at the window bound costs the daemon that window and no more', async (t) => {
  // 128 MiB window (the default bound), 4 GiB of zeros: the decoder cycles through its window.
  const { grew, lag } = await readSome(zstdFrame(27, zeroBlocks(4 * 1024 * 1024 * 1024)), 512 * 1024 * 1024);
  t.diagnostic(`128 MiB window, 512 MiB read: RSS +${mib(grew)} MiB, longest event-loop stall ${lag.toFixed(0)} ms`);
  assert.ok(grew < 128 * 1024 * 1024 + GC_SLACK, `rss grew ${grew} bytes while reading 512 MiB through a 128 MiB window`);
  assert.ok(lag < 200, `the event loop stalled for ${lag.toFixed(0)} ms`);
});

test('a window bound that is no power of two is rounded down to one', () => {
  assert.equal(windowLogFor(128 * 1024 * 1024), 27);
  assert.equal(windowLogFor(200 * 1024 * 1024), 27);
  assert.equal(windowLogFor(2 * 1024 * 1024 * 1024), 31);
  assert.equal(windowLogFor(1024 * 1024), 20);
});

test('the declared window is read from the frame header (window byte or single-segment content size)', () => {
  assert.deepEqual(declaredWindow(zstdFrame(31, [])), { bytes: 2 ** 31, log: 31 });
  assert.deepEqual(declaredWindow(zstdFrame(41, [])), { bytes: 2 ** 41, log: 41 });
  // Window byte 0x59: exponent 11, mantissa 1: 2^21 + 2^21/8.
  assert.deepEqual(declaredWindow(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x59])), { bytes: 2 ** 21 + 2 ** 18, log: 21 });
  // Single segment, 4-byte content size of 3 GiB.
  const ss = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0xc0]);
  assert.deepEqual(declaredWindow(ss), { bytes: 3 * 2 ** 30, log: 32 });
  assert.equal(declaredWindow(Buffer.from('not zstd at all')), undefined);
});

test('a single-segment frame whose content size is over the bound is refused, naming it', async () => {
  // Content size 3 GiB declared in a 4-byte field: the window is the content size.
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0xc0, 0x01, 0x00, 0x00]);
  await assert.rejects(drain(Readable.from([frame])), (err: Error) => {
    assert.ok(err instanceof ResourceExhaustedError, String(err));
    assert.match(err.message, /needs a window beyond zstd's 2 GiB maximum, larger than image\.zstd_max_window_bytes/);
    return true;
  });
});

test('gzip, truncated and empty streams are not zstd: INVALID_ARGUMENT (zstd(1) decoded gzip frames too)', async () => {
  const z = execFileSync('zstd', ['-q', '-c'], { input: Buffer.alloc(100_000, 'a') });
  for (const [name, bytes] of [
    ['gzip', gzipSync(Buffer.alloc(100_000, 'a'))],
    ['truncated', z.subarray(0, z.length >> 1)],
    ['empty', Buffer.alloc(0)],
  ] as const) {
    await assert.rejects(drain(Readable.from([bytes])), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, `${name}: ${String(err)}`);
      assert.match(err.message, /^layer L is not valid zstd data: /);
      return true;
    });
  }
});

test('concatenated frames decode as one stream', async () => {
  const a = Buffer.alloc(70_000, 'a');
  const b = randomBytes(50_000);
  const za = execFileSync('zstd', ['-q', '-c'], { input: a });
  const zb = execFileSync('zstd', ['-q', '-c', '--long=24'], { input: b });
  assert.ok((await drain(Readable.from([Buffer.concat([za, zb])]))).equals(Buffer.concat([a, b])));
});
