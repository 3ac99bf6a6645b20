import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createZstdDecompress } from './zstd.js';
import { ResourceExhaustedError, InvalidArgumentError } from '../errors/catalog.js';
import { zstdFrame, zeroBlocks, zstdHugeWindowLayer } from '../../test/fixtures/zstd-frame.js';

const opts = { maxWindowBytes: 128 * 1024 * 1024, windowKey: 'image.zstd_max_window_bytes', what: 'layer L' };

async function drain(src: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src.pipe(createZstdDecompress(opts))) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** The pids of this process's zstd children (prlimit execs zstd, so they are direct children). */
function zstdChildren(): number[] {
  const tasks = `/proc/${process.pid}/task`;
  return readdirSync(tasks)
    .flatMap((t) => readFileSync(`${tasks}/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'zstd';
      } catch {
        return false;
      }
    });
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

test('a bomb is decompressed only as fast as it is read, off the event loop, and stops when dropped', async () => {
  // 4 GiB of zeros in 128 KiB of layer: read 64 MiB of it slowly, then let go.
  const bomb = zstdFrame(20, zeroBlocks(4 * 1024 * 1024 * 1024));
  const rss0 = process.memoryUsage().rss;
  const z = createZstdDecompress(opts);
  Readable.from([bomb]).pipe(z);
  let lag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 5);
    last = now;
  }, 5);
  let got = 0;
  try {
    for await (const c of z) {
      got += (c as Buffer).length;
      if (got >= 64 * 1024 * 1024) break;
      if (got % (8 << 20) < (c as Buffer).length) await sleep(20);
    }
  } finally {
    clearInterval(timer);
  }
  const grew = process.memoryUsage().rss - rss0;
  assert.ok(grew < 64 * 1024 * 1024, `rss grew ${grew} bytes while reading 64 MiB of a 4 GiB bomb`);
  assert.ok(lag < 200, `the event loop stalled for ${lag.toFixed(0)} ms`);
  // Breaking out destroyed the stream, which kills the child.
  for (let i = 0; i < 100 && zstdChildren().length; i++) await sleep(20);
  assert.deepEqual(zstdChildren(), []);
});
