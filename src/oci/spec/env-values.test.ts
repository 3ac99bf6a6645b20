import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envFromCri } from './env-values.js';
import { InvalidArgumentError } from '../../errors/catalog.js';

const kv = (key: string, value: Uint8Array) => ({ key, value });

test('UTF-8 values become the same characters, byte for byte', () => {
  const bytes = Buffer.from('grüße ✓ 😀 =x', 'utf8');
  const [e] = envFromCri([kv('G', bytes)]);
  assert.equal(e!.value, 'grüße ✓ 😀 =x');
  assert.deepEqual(Buffer.from(`${e!.key}=${e!.value}`, 'utf8'), Buffer.concat([Buffer.from('G='), bytes]));
  // A leading BOM is a character like any other, not eaten by the decoder.
  assert.equal(envFromCri([kv('B', Buffer.from([0xef, 0xbb, 0xbf, 0x61]))])[0]!.value, '\ufeffa');
  assert.deepEqual(envFromCri([kv('EMPTY', new Uint8Array())]), [{ key: 'EMPTY', value: '' }]);
});

test('a value that is not UTF-8 is refused naming the key and the byte, not turned into U+FFFD', () => {
  const bad: [Uint8Array, RegExp][] = [
    [Buffer.from([0x61, 0xff, 0xfe, 0x62]), /"SECRET".*byte 0xff at offset 1/],
    [Buffer.from([0x61, 0x62, 0xc3]), /byte 0xc3 at offset 2/], // truncated sequence
    [Buffer.from([0xed, 0xa0, 0x80]), /byte 0xed at offset 0/], // an encoded surrogate
    [Buffer.from([0xc0, 0xaf]), /byte 0xc0 at offset 0/], // overlong '/'
  ];
  for (const [value, msg] of bad) {
    assert.throws(() => envFromCri([kv('OK', Buffer.from('fine')), kv('SECRET', value)]), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.match(e.message, msg);
      assert.match(e.message, /not valid UTF-8/);
      return true;
    });
  }
});

test('NUL in a value, and names that no environment entry can have, are refused', () => {
  assert.throws(() => envFromCri([kv('N', Buffer.from('a\0b'))]), /"N".*NUL/);
  assert.throws(() => envFromCri([kv('', Buffer.from('x'))]), /name "" is not valid/);
  assert.throws(() => envFromCri([kv('A=B', Buffer.from('x'))]), /name "A=B"/);
  assert.throws(() => envFromCri([kv('A\0', Buffer.from('x'))]), InvalidArgumentError);
});
