// SPDY/3 framing and header compression against frames written by other implementations
// (test/fixtures/spdy: moby/spdystream's framer as client-go uses it, and a Chromium test vector).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { packageRoot } from '../util/package-info.js';
import { encodeFrame, FrameParser, FLAG_FIN, SpdyProtocolError, type SpdyFrame } from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor, encodeHeaderBlock, decodeHeaderBlock } from './spdy-headers.js';
import { SPDY3_DICTIONARY, SPDY3_DICTIONARY_ADLER32 } from './spdy-dictionary.js';

function fixture(name: string): Buffer {
  return Buffer.from(readFileSync(join(packageRoot, 'test', 'fixtures', 'spdy', name), 'utf8').trim(), 'hex');
}

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('the SPDY/3 dictionary is the 1423 bytes whose Adler-32 the spec peers announce', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(adler32(SPDY3_DICTIONARY), SPDY3_DICTIONARY_ADLER32);
  // The DICTID in spdystream's first compressed block is that checksum.
  const first = fixture('go-client-exec.hex');
  assert.equal(first.readUInt32BE(20), SPDY3_DICTIONARY_ADLER32);
});

test('parses spdystream client frames: streams, headers, data, FIN, PING, RST_STREAM, GOAWAY', async () => {
  const bytes = fixture('go-client-exec.hex');
  // Byte by byte: the parser must cope with any TCP segmentation.
  const p = new FrameParser();
  const frames: SpdyFrame[] = [];
  for (let i = 0; i < bytes.length; i++) frames.push(...p.push(bytes.subarray(i, i + 1)));
  assert.equal(p.pending, 0);
  const inflate = new HeaderDecompressor();
  const summary: unknown[] = [];
  for (const f of frames) {
    if (f.type === 'syn_stream') summary.push([f.type, f.streamId, f.flags, await inflate.decompress(f.headerBlock)]);
    else if (f.type === 'data') summary.push([f.type, f.streamId, f.flags, f.data.toString()]);
    else summary.push(f);
  }
  inflate.close();
  assert.deepEqual(summary, [
    ['syn_stream', 1, 0, { streamtype: ['error'] }],
    ['syn_stream', 3, 0, { streamtype: ['stdin'] }],
    ['syn_stream', 5, 0, { streamtype: ['stdout'] }],
    ['syn_stream', 7, 0, { streamtype: ['resize'] }],
    ['data', 7, 0, '{"Width":80,"Height":24}\n'],
    ['data', 3, 0, 'echo hi\n'],
    ['data', 3, FLAG_FIN, ''],
    { type: 'ping', id: 1 },
    ['syn_stream', 9, 0, { port: ['8080'], requestid: ['0'], streamtype: ['error'] }],
    ['syn_stream', 11, 0, { port: ['8080'], requestid: ['0'], streamtype: ['data'] }],
    { type: 'rst_stream', streamId: 11, status: 5 },
    { type: 'goaway', lastGoodStreamId: 0, status: 0 },
  ]);
});

test('frames without header blocks encode to the bytes spdystream writes', () => {
  const bytes = fixture('go-client-exec.hex');
  const frames = new FrameParser().push(bytes);
  const plain = frames.filter((f) => f.type !== 'syn_stream');
  const ours = Buffer.concat(plain.map(encodeFrame));
  // Rebuild the Go byte sequence without the SYN_STREAMs and compare.
  const goPlain: Buffer[] = [];
  let o = 0;
  while (o < bytes.length) {
    const len = bytes.readUInt32BE(o + 4) & 0xffffff;
    const isSyn = (bytes[o]! & 0x80) !== 0 && bytes.readUInt16BE(o + 2) === 1;
    if (!isSyn) goPlain.push(bytes.subarray(o, o + 8 + len));
    o += 8 + len;
  }
  assert.deepEqual(ours, Buffer.concat(goPlain));
});

test('parses the server side: empty SYN_REPLY header blocks, stdout and the v4 status', async () => {
  const frames = new FrameParser().push(fixture('go-server-exec.hex'));
  const inflate = new HeaderDecompressor();
  const replies = [];
  for (const f of frames) if (f.type === 'syn_reply') replies.push([f.streamId, await inflate.decompress(f.headerBlock)]);
  inflate.close();
  assert.deepEqual(replies, [
    [1, {}],
    [3, {}],
    [5, {}],
    [7, {}],
  ]);
  const data = frames.filter((f) => f.type === 'data').map((f) => (f.type === 'data' ? [f.streamId, f.flags, f.data.toString()] : []));
  assert.deepEqual(data, [
    [5, 0, 'hi\r\n'],
    [5, 1, ''],
    [1, 0, '{"metadata":{},"status":"Success"}'],
    [1, 1, ''],
  ]);
});

test('decodes the compressed SYN_STREAM test vector from Chromium', async () => {
  const [f] = new FrameParser().push(fixture('chromium-syn-stream-compressed.hex'));
  assert.ok(f && f.type === 'syn_stream');
  assert.equal(f.streamId, 1);
  assert.equal(f.priority, 4);
  const inflate = new HeaderDecompressor();
  assert.deepEqual(await inflate.decompress(f.headerBlock), { bar: ['foo'], foo: ['bar'] });
  inflate.close();
});

test('our compressed header blocks inflate with plain zlib and the dictionary, across blocks', async () => {
  const c = new HeaderCompressor();
  const a = await c.compress({ streamtype: ['error'] });
  const b = await c.compress({ streamtype: ['stdin'], multi: ['x', 'y'] });
  c.close();
  // Starts a zlib stream with FDICT and the SPDY/3 DICTID, like spdystream's first block.
  assert.equal(a[0], 0x78);
  assert.equal(a[1]! & 0x20, 0x20);
  assert.equal(a.readUInt32BE(2), SPDY3_DICTIONARY_ADLER32);
  const whole = zlib.inflateSync(Buffer.concat([a, b]), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const first = encodeHeaderBlock({ streamtype: ['error'] });
  assert.deepEqual(decodeHeaderBlock(whole.subarray(0, first.length)), { streamtype: ['error'] });
  assert.deepEqual(decodeHeaderBlock(whole.subarray(first.length)), { streamtype: ['stdin'], multi: ['x', 'y'] });
});

test('header blocks: upper-case and duplicate names are protocol errors', () => {
  const up = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from('A'), Buffer.from([0, 0, 0, 1]), Buffer.from('b')]);
  assert.throws(() => decodeHeaderBlock(up), SpdyProtocolError);
  const two = Buffer.concat([Buffer.from([0, 0, 0, 2]), ...[1, 2].map(() => Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 1]), Buffer.from('b')]))]);
  assert.throws(() => decodeHeaderBlock(two), /duplicate/);
  assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9])), /truncated/);
});

test('the parser refuses other SPDY versions and oversized frames', () => {
  assert.throws(() => new FrameParser().push(Buffer.from('8002000600000004000000010', 'hex')), /version 2/);
  assert.throws(() => new FrameParser(1024).push(Buffer.from('0000000100000800', 'hex')), /exceeds/);
});

test('every frame type round-trips through encode and parse', () => {
  const frames: SpdyFrame[] = [
    { type: 'data', streamId: 0x7fffffff, flags: 1, data: Buffer.from('x') },
    { type: 'syn_stream', streamId: 3, associatedId: 1, priority: 7, slot: 2, flags: 3, headerBlock: Buffer.from('hb') },
    { type: 'syn_reply', streamId: 3, flags: 1, headerBlock: Buffer.alloc(0) },
    { type: 'headers', streamId: 5, flags: 0, headerBlock: Buffer.from('h') },
    { type: 'rst_stream', streamId: 5, status: 1 },
    { type: 'settings', flags: 1, entries: [{ flags: 1, id: 7, value: 65536 }] },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goaway', lastGoodStreamId: 9, status: 2 },
    { type: 'window_update', streamId: 1, delta: 1000 },
  ];
  assert.deepEqual(new FrameParser().push(Buffer.concat(frames.map(encodeFrame))), frames);
});
