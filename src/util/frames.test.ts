import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeFrame, FrameDecoder, FrameError } from './frames.js';
import { HELPERS_DIR } from '../helpers/programs.js';
import { PYTHON } from '../oci/conmon-runtime/pty-relay.js';

const bytesOf = (header: object, parts: Buffer[] = []) => Buffer.concat(encodeFrame(header, parts));

test('encodeFrame: the documented layout, parts not copied', () => {
  const part = Buffer.from('ab');
  const pieces = encodeFrame({ id: 1 }, [part, Buffer.alloc(0)]);
  assert.equal(pieces[2], part);
  const head = Buffer.from('{"id":1}');
  const prefix = Buffer.alloc(16);
  prefix.writeUInt32BE(head.length, 0);
  prefix.writeUInt32BE(2, 4);
  prefix.writeUInt32BE(2, 8);
  prefix.writeUInt32BE(0, 12);
  assert.deepEqual(Buffer.concat(pieces), Buffer.concat([prefix, head, part]));
});

test('FrameDecoder: frames cut anywhere, several in one chunk, bytes kept as they are', () => {
  const binary = Buffer.from(Array.from({ length: 256 * 3 }, (_, i) => i % 256));
  const stream = Buffer.concat([bytesOf({ id: 7, s: 'é' }, [binary, Buffer.alloc(0)]), bytesOf({ kill: 7 }), bytesOf({ id: 8 }, [Buffer.from('x')])]);
  for (const step of [1, 3, 8, 100, stream.length]) {
    const d = new FrameDecoder();
    const frames = [];
    for (let at = 0; at < stream.length; at += step) frames.push(...d.push(stream.subarray(at, at + step)));
    assert.deepEqual(
      frames.map((f) => [f.header, f.parts.map((p) => p.toString('hex'))]),
      [
        [{ id: 7, s: 'é' }, [binary.toString('hex'), '']],
        [{ kill: 7 }, []],
        [{ id: 8 }, ['78']],
      ],
      `in chunks of ${step}`,
    );
    assert.equal(d.pending, 0);
  }
});

test('FrameDecoder: a big frame in many chunks is joined once and arrives whole', () => {
  const big = Buffer.alloc(8 << 20, 0xab);
  const stream = bytesOf({ id: 1 }, [big, Buffer.from('err')]);
  const d = new FrameDecoder();
  let frames: ReturnType<typeof d.push> = [];
  for (let at = 0; at < stream.length; at += 65536) {
    frames = d.push(stream.subarray(at, at + 65536));
    if (at + 65536 < stream.length) assert.equal(frames.length, 0);
  }
  assert.equal(frames.length, 1);
  assert.ok(frames[0]!.parts[0]!.equals(big));
  assert.equal(frames[0]!.parts[1]!.toString(), 'err');
});

test('FrameDecoder: what is not a frame is refused, a cut frame stays pending', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from('{"id":1}\n{"id":2}\n')), FrameError);
  const bad = Buffer.concat(encodeFrame({}, [])).subarray(0, 8);
  bad.writeUInt32BE(2, 0);
  assert.throws(() => new FrameDecoder().push(Buffer.concat([bad, Buffer.from('{x')])), FrameError);
  const d = new FrameDecoder();
  assert.deepEqual(d.push(bytesOf({ id: 1 }, [Buffer.from('abc')]).subarray(0, 15)), []);
  assert.equal(d.pending, 15);
});

// The two sides are two languages: each must read what the other writes.
const PY = String.raw`
import sys
sys.path.insert(0, sys.argv[1])
from framing import read_frame, write_frame
while True:
    f = read_frame(sys.stdin.buffer)
    if f is None:
        break
    header, parts = f
    write_frame(1, dict(header, seen=len(parts)), [p[::-1] for p in parts])
`;

test('frames cross between the daemon and framing.py both ways', () => {
  const input = Buffer.concat([bytesOf({ id: 1 }, [Buffer.from('abc'), Buffer.from([0, 1, 255])]), bytesOf({ id: 2, big: true }, [Buffer.alloc(3 << 20, 7)])]);
  const r = spawnSync(PYTHON, ['-B', '-c', PY, HELPERS_DIR], { input, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr.toString());
  const frames = new FrameDecoder().push(r.stdout);
  assert.deepEqual(frames[0]!.header, { id: 1, seen: 2 });
  assert.deepEqual(frames[0]!.parts, [Buffer.from('cba'), Buffer.from([255, 1, 0])]);
  assert.deepEqual(frames[1]!.header, { id: 2, big: true, seen: 1 });
  assert.ok(frames[1]!.parts[0]!.equals(Buffer.alloc(3 << 20, 7)));
});
