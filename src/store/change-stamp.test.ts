import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync, renameSync } from 'node:fs';
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

test('callers during a scan that read the same token share it; an unchanged stamp needs no scan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
  try {
    const s = new ChangeStamp(join(dir, '.stamp'));
    await s.bump();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let scans = 0;
    const slow = async () => {
      scans++;
      await gate;
    };
    const first = s.sync(slow);
    const second = s.sync(slow); // same token as the running scan: that scan serves it
    assert.equal(second, first);
    release();
    await Promise.all([first, second]);
    assert.equal(scans, 1);
    const third = s.sync(slow);
    let settled = false;
    void third.then(() => (settled = true));
    await Promise.resolve();
    assert.ok(settled, 'an unchanged stamp resolves without waiting for I/O');
    assert.equal(scans, 1);
    assert.equal(s.peek(), await s.read());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing scan leaves the stamp unaccepted: the next call scans again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
  try {
    const s = new ChangeStamp(join(dir, '.stamp'));
    await s.bump();
    let scans = 0;
    await assert.rejects(
      s.sync(async () => {
        scans++;
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
    await s.sync(async () => void scans++);
    assert.equal(scans, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the stamp is a link to the token; a regular-file stamp (older writers) still reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stamp-'));
  try {
    const file = join(dir, '.stamp');
    const s = new ChangeStamp(file);
    assert.equal(s.peek(), '');
    assert.equal(await s.read(), '');
    writeFileSync(file, 'old-token');
    assert.equal(s.peek(), 'old-token');
    let scans = 0;
    await s.sync(async () => void scans++);
    // read() (what recovery uses) turns the old file into a link, as a bump would.
    const token = await s.read();
    assert.match(token, /^[0-9a-f]{24}$/);
    assert.ok(lstatSync(file).isSymbolicLink());
    await s.sync(async () => void scans++);
    assert.equal(scans, 2);
    await s.bump();
    assert.ok(lstatSync(file).isSymbolicLink());
    assert.match(readlinkSync(file), /^[0-9a-f]{24}$/);
    assert.equal(s.peek(), readlinkSync(file));
    await s.sync(async () => void scans++);
    assert.equal(scans, 3);
    assert.deepEqual(readdirSync(dir), ['.stamp'], 'no temporary links left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
