import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDecimal } from './decimal.js';

test('compareDecimal orders decimal strings as the numbers they spell', () => {
  const sign = (n: number) => Math.sign(n);
  assert.equal(sign(compareDecimal('9', '10')), -1);
  assert.equal(sign(compareDecimal('10', '9')), 1);
  assert.equal(sign(compareDecimal('1764355200123456789', '1764355200123456790')), -1);
  assert.equal(sign(compareDecimal('1764355200123456789', '1764355200123456789')), 0);
  assert.equal(sign(compareDecimal('0', '0')), 0);
  assert.equal(sign(compareDecimal('007', '7')), 0);
  assert.equal(sign(compareDecimal('0010', '9')), 1);
  assert.equal(sign(compareDecimal('0', '1764355200123456789')), -1);
  const xs = ['1764355200123456789', '9', '0', '1764355200000000000', '18446744073709551615', '10'];
  const byBigInt = [...xs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  assert.deepEqual([...xs].sort(compareDecimal), byBigInt);
});
