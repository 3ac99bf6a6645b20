import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeStamp, fileSig } from './change-stamp.js';

test('sync rescans only after another writer bumped the stamp', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
  try {
    const mine = new ChangeStamp(join(dir, '.stamp'));
    const other = new ChangeStamp(join(dir, '.stamp'));
    let scans = 0;
    const rescan = async () => void scans++;
    await mine.sync(rescan);
    assert.equal(scans, 1); // never scanned: the first sync scans
    await mine.sync(rescan);
    assert.equal(scans, 1);
    await other.bump();
    await mine.sync(rescan);
    assert.equal(scans, 2);
    await mine.sync(rescan);
    assert.equal(scans, 2);
    // Concurrent callers share scans; none returns before a scan that started after its call.
    await other.bump();
    await Promise.all([mine.sync(rescan), mine.sync(rescan), mine.sync(rescan)]);
    assert.equal(scans, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a caller arriving during a scan gets a scan of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
  try {
    const s = new ChangeStamp(join(dir, '.stamp'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    let n = 0;
    const first = s.sync(async () => {
      seen.push(++n);
      await gate;
    });
    await new Promise((r) => setImmediate(r));
    await s.bump(); // a write after the first scan read the token
    const second = s.sync(async () => void seen.push(++n));
    release();
    await Promise.all([first, second]);
    assert.deepEqual(seen, [1, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fileSig changes when a file is replaced, is undefined when absent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
  try {
    const f = join(dir, 'status.json');
    assert.equal(await fileSig(f), undefined);
    writeFileSync(f, '{"state":"created"}');
    const a = await fileSig(f);
    writeFileSync(join(dir, 'tmp'), '{"state":"running"}');
    renameSync(join(dir, 'tmp'), f);
    assert.notEqual(await fileSig(f), a);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
