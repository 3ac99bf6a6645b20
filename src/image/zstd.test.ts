import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createZstdDecompress } from './zstd.js';

test('zstd streams decompress (zstd(1) output, split into small chunks)', async () => {
  const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 'a')]);
  const z = execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 24 });
  const chunks: Buffer[] = [];
  for (let i = 0; i < z.length; i += 1000) chunks.push(z.subarray(i, i + 1000));
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(createZstdDecompress())) out.push(c as Buffer);
  assert.ok(Buffer.concat(out).equals(data));
});

test('corrupt zstd data is an error', async () => {
  const bad = Readable.from([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8])]);
  await assert.rejects(async () => {
    for await (const c of bad.pipe(createZstdDecompress())) void c;
  });
});
