import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLogRecords } from './log-reader.js';

test('reads whole records; follows appends and a rotation until done', async () => {
  const d = mkdtempSync(join(tmpdir(), 'log-reader-'));
  try {
    const f = join(d, '0.log');
    writeFileSync(f, 'T stdout F one\nT stderr P tw');
    const once: string[] = [];
    for await (const r of readLogRecords(f, { follow: false })) once.push(r.text);
    assert.deepEqual(once, ['one'], 'an unfinished line is held back');

    let finished = false;
    const seen: string[] = [];
    const reader = (async () => {
      for await (const r of readLogRecords(f, { follow: true, pollMs: 10, done: async () => finished })) seen.push(`${r.stream}:${r.partial ? 'P' : 'F'}:${r.text}`);
    })();
    await sleep(50);
    appendFileSync(f, 'o\nT stdout F three\n');
    await sleep(50);
    renameSync(f, `${f}.1`);
    writeFileSync(f, 'T stdout F after-rotation\n');
    await sleep(50);
    finished = true;
    await reader;
    assert.deepEqual(seen, ['stdout:F:one', 'stderr:P:two', 'stdout:F:three', 'stdout:F:after-rotation']);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
