// Seeded fuzzing of our WebSocket channel framing (the ws library parses the frames themselves; the
// live-daemon test sends it raw garbage): random messages decode or are dropped, never throw; stdin
// the process does not read pauses the WebSocket instead of piling up. FUZZ_SEED replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { fuzzSeed, Rng } from '../../test/helpers/fuzz.js';
import { ChannelMux, decodeChannelMessage } from './websocket-channels.js';

const seed = fuzzSeed('websocket channel fuzz');

/** Enough of a ws WebSocket for ChannelMux: messages are emitted by the test. */
class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  paused = false;
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  send(_d: unknown, _o: unknown, cb: () => void): void {
    cb();
  }
}

test('random channel messages (binary and base64) decode or are dropped; inputs get only their own channel', () => {
  const r = new Rng(seed);
  for (const [base64, v5] of [[false, false], [false, true], [true, false]] as const) {
    const ws = new FakeWs();
    const mux = new ChannelMux(ws as unknown as WebSocket, base64, v5);
    const inputs = [0, 2, 4].map((ch) => ({ ch, got: [] as Buffer[], s: mux.input(ch) }));
    for (const i of inputs) i.s.on('data', (b: Buffer) => i.got.push(b));
    for (let i = 0; i < 5000; i++) {
      const raw = r.chance(0.5) ? r.bytes(r.int(40)) : Buffer.from(String.fromCharCode(48 + r.int(260)) + r.bytes(r.int(30)).toString(r.pick(['base64', 'latin1'] as const)), 'latin1');
      assert.doesNotThrow(() => decodeChannelMessage(raw, r.chance(0.5), base64));
      ws.emit('message', raw, !base64);
    }
  }
});

test('stdin nobody reads pauses the WebSocket (bounded), and reading resumes it', async () => {
  const ws = new FakeWs();
  const mux = new ChannelMux(ws as unknown as WebSocket, false, true);
  const stdin = mux.input(0);
  let sent = 0;
  while (!ws.paused && sent < 10_000) {
    ws.emit('message', Buffer.concat([Buffer.from([0]), Buffer.alloc(64 * 1024)]), true);
    sent++;
  }
  assert.ok(ws.paused, 'never paused');
  assert.ok(stdin.writableLength <= 2 * 64 * 1024 + 16 * 1024, `${stdin.writableLength} bytes buffered`);
  stdin.resume();
  await new Promise((r) => setImmediate(r));
  assert.equal(ws.paused, false);
});
