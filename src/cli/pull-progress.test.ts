import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTerminal, PullProgress, pullVerdict } from './pull-progress.js';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, columns: 100, write: (s: string) => chunks.push(s) } };
}

test('off a terminal: one plain line per layer when it is ready, no control codes', () => {
  const { chunks, out } = sink(false);
  const p = new PullProgress(out, false);
  p.resolved('sha256:' + 'c'.repeat(64), [
    { digest: A, size: 1_500_000 },
    { digest: B, size: 10 },
  ]);
  p.layerBytes(A, 1000);
  p.layerBytes(A, 1_500_000);
  p.layerDone(B, false);
  p.layerDone(A, true);
  assert.equal(chunks.join(''), 'bbbbbbbbbbbb: Already exists\naaaaaaaaaaaa: Pull complete (1.50MB)\n');
  assert.equal(p.downloaded, true);
  assert.equal(p.digest, 'sha256:' + 'c'.repeat(64));
});

test('on a terminal: each layer and the total, redrawn in place', () => {
  const { chunks, out } = sink(true);
  const p = new PullProgress(out, true, 0);
  p.resolved('sha256:' + 'c'.repeat(64), [
    { digest: A, size: 2_000_000 },
    { digest: B, size: 10 },
  ]);
  assert.equal(chunks[0], '\x1b[2K\raaaaaaaaaaaa: Waiting\n\x1b[2K\rbbbbbbbbbbbb: Waiting\n\x1b[2K\rLayers 0/2, downloaded 0B/2.00MB\n');
  p.layerBytes(A, 500_000);
  assert.ok(chunks[1]!.startsWith('\x1b[3A'), 'back up over the three lines before rewriting them');
  assert.match(chunks[1]!, /aaaaaaaaaaaa: Downloading {2}500\.0kB\/2\.00MB\n/);
  p.layerDone(B, false);
  p.layerDone(A, true);
  assert.deepEqual(p.lines(), ['aaaaaaaaaaaa: Pull complete', 'bbbbbbbbbbbb: Already exists', 'Layers 2/2, downloaded 2.00MB/2.00MB']);
  assert.equal(p.downloaded, true);
});

test('nothing downloaded is not "downloaded"; TERM=dumb is no terminal; the verdict lines', () => {
  const p = new PullProgress({ write: () => true }, false);
  p.resolved('sha256:' + 'c'.repeat(64), [{ digest: A, size: 1 }]);
  p.layerDone(A, false);
  assert.equal(p.downloaded, false);
  assert.equal(isTerminal({ write: () => true, isTTY: true }, { TERM: 'dumb' }), false);
  assert.equal(isTerminal({ write: () => true, isTTY: true }, { TERM: 'xterm' }), true);
  assert.equal(isTerminal({ write: () => true }, { TERM: 'xterm' }), false);
  assert.equal(pullVerdict({ ref: 'r:1', digest: 'sha256:d', newer: true }), 'Digest: sha256:d\nStatus: Downloaded newer image for r:1\n');
  assert.equal(pullVerdict({ ref: 'r:1', digest: undefined, newer: false }), 'Status: Image is up to date for r:1\n');
});
