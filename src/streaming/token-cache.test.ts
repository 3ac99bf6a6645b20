import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCache } from './token-cache.js';
import { ResourceExhaustedError } from '../errors/catalog.js';

test('a token is unguessable, works once and only before it expires', () => {
  let now = 1000;
  const c = new TokenCache<string>(60_000, 3, () => now);
  const a = c.insert('a');
  assert.match(a, /^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
  assert.notEqual(c.insert('b'), a);
  assert.equal(c.consume(a), 'a');
  assert.equal(c.consume(a), undefined);
  const late = c.insert('late');
  now += 60_000;
  assert.equal(c.consume(late), undefined);
  assert.equal(c.consume('made-up'), undefined);
});

test('in-flight requests are capped; expired ones free their slot', () => {
  let now = 0;
  const c = new TokenCache<number>(10, 2, () => now);
  c.insert(1);
  c.insert(2);
  assert.throws(() => c.insert(3), ResourceExhaustedError);
  now = 11;
  c.insert(3);
  assert.equal(c.size, 1);
});
