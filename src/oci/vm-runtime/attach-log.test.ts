import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { decodeLogLine, followLog } from './attach-log.js';

const dir = mkdtempSync(join(tmpdir(), 'rktlet-attach-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('CRI log lines decode to their stream and text; a partial line has no newline', () => {
  assert.deepEqual(decodeLogLine('2026-01-01T00:00:00Z stdout F hello world'), { stream: 'stdout', text: 'hello world\n' });
  assert.deepEqual(decodeLogLine('2026-01-01T00:00:00Z stderr P part'), { stream: 'stderr', text: 'part' });
  assert.equal(decodeLogLine('garbage'), undefined);
});

test('following a log: only what comes after the attach, each stream to its own, until the exit file', async () => {
  const log = join(dir, 'log');
  const exit = join(dir, 'exit');
  writeFileSync(log, 'T stdout F before\n');
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (b: Buffer) => (o += b.toString()));
  err.on('data', (b: Buffer) => (e += b.toString()));
  const done = followLog(log, exit, { stdout: out, stderr: err, tty: false, signal: new AbortController().signal }, 10);
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(log, 'T stdout F one\nT stderr F two\nT stdout P thr');
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(log, 'ee\nT stdout F four\n');
  writeFileSync(exit, '0\n');
  await done;
  assert.equal(o, 'one\nthreefour\n', 'a line split across writes is whole; a P line keeps no newline');
  assert.equal(e, 'two\n');
});
