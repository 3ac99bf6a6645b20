// Seeded fuzzing of the SPDY parsers and session (FUZZ_SEED=<n> replays; the seed is printed):
// random bytes and mutated valid frames (lying lengths, huge lengths, truncation, unknown types and
// flags, stream ids 0/reused/huge, window updates at the limit, SETTINGS floods, header blocks that
// do not inflate or inflate to MiBs). Every input must end in frames or a SpdyProtocolError, never
// another exception, a hang or unbounded memory; a session fed garbage ends or keeps answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { bombBlock, fuzzSeed, PeerCompressor, randomChunks, randomFrame, Rng } from '../../test/helpers/fuzz.js';
import { encodeFrame, FrameParser, SpdyProtocolError, MAX_SETTINGS_ENTRIES } from './spdy-frames.js';
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, MAX_HEADER_BLOCK } from './spdy-headers.js';
import { MAX_CONCURRENT_STREAMS, SpdySession, type SpdyStream } from './spdy-session.js';

const seed = fuzzSeed('spdy fuzz');

/** Two in-memory socket ends: what one writes, the other reads. `reads: false` makes b a peer that never reads. */
function socketPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (i: number) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        const other = ends[1 - i]!;
        if (!other.destroyed) other.push(chunk);
        cb();
      },
      final(cb) {
        ends[1 - i]!.push(null);
        cb();
      },
    });
  ends.push(make(0), make(1));
  return [ends[0]!, ends[1]!];
}

test('FrameParser: random and mutated frames in random chunks give frames or a SpdyProtocolError', async () => {
  const r = new Rng(seed);
  const z = new PeerCompressor();
  let cases = 0;
  let errors = 0;
  for (let i = 0; i < 3000; i++) {
    const frames: Buffer[] = [];
    for (let k = 1 + r.int(6); k > 0; k--) frames.push(await randomFrame(r, z, 2 * r.int(10) + 1));
    const p = new FrameParser();
    cases++;
    try {
      for (const c of randomChunks(r, Buffer.concat(frames))) p.push(c);
      assert.ok(p.pending <= 8 + 0xffffff);
    } catch (err) {
      if (!(err instanceof SpdyProtocolError)) throw new Error(`case ${i}: ${String(err)}`, { cause: err });
      errors++;
    }
  }
  z.close();
  console.log(`# FrameParser: ${cases} cases, ${errors} protocol errors`);
});

test('FrameParser: valid frames parse the same whatever the chunking; a 16 MiB frame in 16 KiB chunks is copied once', () => {
  const r = new Rng(seed + 1);
  for (let i = 0; i < 500; i++) {
    const frames = Array.from({ length: 1 + r.int(5) }, () => encodeFrame({ type: 'data', streamId: 1 + 2 * r.int(9), flags: r.int(2), data: r.bytes(r.int(3000)) }));
    const whole = new FrameParser().push(Buffer.concat(frames));
    const p = new FrameParser();
    const chunked = randomChunks(r, Buffer.concat(frames)).flatMap((c) => p.push(c));
    assert.deepEqual(chunked, whole);
  }
  // Joining at every chunk would copy 8 MiB on average 1024 times (~8 GiB): seconds.
  const big = encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(0xffffff) });
  const p = new FrameParser();
  const t0 = process.hrtime.bigint();
  let got = 0;
  for (let o = 0; o < big.length; o += 16384) got += p.push(big.subarray(o, o + 16384)).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(got, 1);
  assert.ok(ms < 600, `parsing one 16 MiB frame took ${ms} ms`);
});

test('a SETTINGS frame with thousands of entries is refused, not decoded', () => {
  const entries = Array.from({ length: 100_000 }, (_, i) => ({ flags: 0, id: i & 7, value: i }));
  const f = encodeFrame({ type: 'settings', flags: 0, entries });
  assert.throws(() => new FrameParser().push(f), /SETTINGS frame with 100000 entries/);
  const ok = encodeFrame({ type: 'settings', flags: 0, entries: entries.slice(0, MAX_SETTINGS_ENTRIES) });
  assert.equal(new FrameParser().push(ok).length, 1);
});

test('header blocks: random and mutated name/value blocks decode or fail with SpdyProtocolError', () => {
  const r = new Rng(seed + 2);
  for (let i = 0; i < 5000; i++) {
    const valid = encodeHeaderBlock({ a: ['1'], [`k${r.int(9)}`]: [r.bytes(r.int(20)).toString('latin1'), 'x'] });
    const b = r.chance(0.5) ? r.bytes(r.int(64)) : Buffer.from(valid);
    if (b.length && r.chance(0.7)) b[r.int(b.length)] = r.pick([0, 0xff, r.int(256)]);
    if (b.length >= 8 && r.chance(0.3)) b.writeUInt32BE(r.pick([0xffffffff, 0x7fffffff, r.int(100)]), r.pick([0, 4]));
    try {
      decodeHeaderBlock(b);
    } catch (err) {
      if (!(err instanceof SpdyProtocolError)) throw new Error(`case ${i} ${b.toString('hex')}: ${String(err)}`, { cause: err });
    }
  }
});

test('header decompression: round trips in one context; garbage fails; bombs are cut at the limit, fast and small', async () => {
  const r = new Rng(seed + 3);
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  for (let i = 0; i < 1000; i++) {
    const h = { streamtype: [r.pick(['stdout', 'data'])], [`x-${i}`]: [r.bytes(r.int(3000)).toString('hex')] };
    assert.deepEqual(await d.decompress(await c.compress(h)), h);
  }
  c.close();
  d.close();
  let failed = 0;
  for (let i = 0; i < 500; i++) {
    const dd = new HeaderDecompressor();
    try {
      await dd.decompress(r.bytes(1 + r.int(200)));
    } catch (err) {
      assert.ok(err instanceof SpdyProtocolError, String(err));
      failed++;
    }
    dd.close();
  }
  console.log(`# header garbage: 500 cases, ${failed} refused`);
  const rss0 = process.memoryUsage().rss;
  for (const mib of [1, 16, 64]) {
    const dd = new HeaderDecompressor();
    const t0 = Date.now();
    // Before the fix, 16 MiB and more of output filled zlib's readable buffer and never settled.
    const out = await Promise.race([dd.decompress(bombBlock(mib)).then(() => 'decoded', (e: Error) => e.message), sleep(5000).then(() => 'hang')]);
    assert.match(out, new RegExp(`inflates beyond ${MAX_HEADER_BLOCK}`), `${mib} MiB bomb: ${out}`);
    assert.ok(Date.now() - t0 < 2000);
    dd.close();
  }
  const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
  console.log(`# header bombs (1, 16, 64 MiB): RSS grew ${grown.toFixed(1)} MiB`);
  assert.ok(grown < 100, `RSS grew ${grown} MiB`);
});

/** A server session whose streams are accepted and echoed, as the real handlers roughly do. */
function serverSession(sock: Duplex): SpdySession {
  const s = new SpdySession(sock, { role: 'server' });
  s.on('error', () => undefined);
  s.on('stream', (st: SpdyStream) => {
    void st.reply().catch(() => undefined);
    st.on('error', () => undefined);
    st.pipe(st);
  });
  return s;
}

test('session: mutated frame sequences end the session or leave it answering pings; never an exception', async () => {
  const r = new Rng(seed + 4);
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  let closed = 0;
  let alive = 0;
  let partial = 0;
  const stuck: number[] = [];
  const cases = 1000;
  try {
    for (let i = 0; i < cases; i++) {
      const [a, b] = socketPair();
      const server = serverSession(a);
      const z = new PeerCompressor();
      b.on('data', () => undefined); // the fuzzing peer reads (and ignores) what it gets
      for (let k = 1 + r.int(8); k > 0; k--) for (const c of randomChunks(r, await randomFrame(r, z, 2 * r.int(10) + 1))) b.write(c);
      await sleep(0);
      await Promise.race([new Promise((res) => setImmediate(res)), sleep(5)]);
      if (server.isClosed) closed++;
      else if (server.pendingBytes > 0) partial++; // waits for the rest of a frame (its length lied)
      else {
        // A session still up must still work: it answers a PING from a client on the same socket.
        const client = new SpdySession(b, { role: 'client' });
        client.on('error', () => undefined);
        const answered = await Promise.race([server.ping().then(() => true, () => false), sleep(2000).then(() => false)]);
        if (answered) alive++;
        else if (!server.isClosed) stuck.push(i);
        else closed++;
        client.destroy();
      }
      server.destroy();
      z.close();
    }
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  assert.deepEqual(uncaught, []);
  console.log(`# session fuzz: ${cases} cases, ${closed} ended by a protocol error, ${alive} still answering, ${partial} waiting for the rest of a frame`);
  assert.deepEqual(stuck, [], 'sessions neither closed nor answering');
});

test('session: a peer that sends PINGs and never reads is no longer read (bounded backlog), not buffered', async () => {
  // A socket end that accepts writes only until the "kernel buffer" is full, then never calls back.
  let pending = 0;
  const peerIn: Buffer[] = [];
  const sock = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      pending += chunk.length;
      if (pending < 64 * 1024) cb();
      else peerIn.push(chunk); // never acknowledged: the peer does not read
    },
  });
  const server = serverSession(sock);
  const ping = encodeFrame({ type: 'ping', id: 1 });
  const junk = encodeFrame({ type: 'data', streamId: 99, flags: 0, data: Buffer.alloc(60_000) });
  let pushed = 0;
  for (let i = 0; i < 20_000 && !sock.isPaused(); i++) {
    sock.push(Buffer.concat([ping, junk]));
    pushed++;
    if (i % 100 === 0) await sleep(0);
  }
  assert.ok(sock.isPaused() || server.isClosed, 'the session kept reading from a peer that does not read');
  assert.ok(pushed < 2000, `${pushed} frames of 60 KB were taken before the session stopped reading`);
  server.destroy();
});

test('session: streams beyond the limit are refused with RST_STREAM', async () => {
  const [a, b] = socketPair();
  const server = serverSession(a);
  const client = new SpdySession(b, { role: 'client' });
  const opened = await Promise.allSettled(Array.from({ length: MAX_CONCURRENT_STREAMS + 50 }, () => client.openStream({ streamtype: ['data'] })));
  const refused = opened.filter((o) => o.status === 'rejected').length;
  assert.equal(server.streamCount, MAX_CONCURRENT_STREAMS);
  assert.equal(refused, 50);
  client.destroy();
  server.destroy();
});
