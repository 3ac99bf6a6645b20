import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBlkio, parseFlatKeyed, parseIoStat, parsePsi, parseUint } from './cgroup-parse.js';

test('parseUint: numbers, "max" and junk', () => {
  assert.equal(parseUint('123\n'), 123n);
  assert.equal(parseUint('9223372036854771712'), 9223372036854771712n);
  assert.equal(parseUint('max\n'), undefined);
  assert.equal(parseUint(''), undefined);
  assert.equal(parseUint(undefined), undefined);
  assert.equal(parseUint('-1'), undefined);
});

test('parseFlatKeyed skips malformed lines', () => {
  const kv = parseFlatKeyed('rss 10\ncache 20\nbroken\nweird a\n\nx 1 2\n');
  assert.deepEqual([...kv], [
    ['rss', 10n],
    ['cache', 20n],
  ]);
});

test('parsePsi reads some and full; a missing full line is allowed', () => {
  const p = parsePsi('some avg10=35.77 avg60=9.48 avg300=5.39 total=34891501\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
  assert.deepEqual(p, {
    some: { avg10: 35.77, avg60: 9.48, avg300: 5.39, total: 34891501n },
    full: { avg10: 0, avg60: 0, avg300: 0, total: 0n },
  });
  assert.deepEqual(parsePsi('some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n'), {
    some: { avg10: 1, avg60: 2, avg300: 3, total: 4n },
  });
  assert.equal(parsePsi(''), undefined);
  assert.equal(parsePsi('some avg10=x avg60=0 avg300=0 total=1'), undefined);
});

test('parseIoStat: per device, missing keys are 0', () => {
  assert.deepEqual(parseIoStat('8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=5\n'), [
    { major: 8, minor: 0, readBytes: 4096n, writeBytes: 8192n, reads: 1n, writes: 2n },
    { major: 253, minor: 1, readBytes: 5n, writeBytes: 0n, reads: 0n, writes: 0n },
  ]);
  assert.deepEqual(parseIoStat(''), []);
});

test('parseBlkio joins bytes and op counts, ignores Total lines', () => {
  const bytes = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Total 12288\nTotal 12288\n';
  const ops = '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n';
  assert.deepEqual(parseBlkio(bytes, ops), [{ major: 8, minor: 0, readBytes: 4096n, writeBytes: 8192n, reads: 1n, writes: 2n }]);
  assert.deepEqual(parseBlkio('Total 0\n', ''), []);
});
