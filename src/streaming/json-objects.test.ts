import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonObjectSplitter, toTerminalSize } from './json-objects.js';

test('splits concatenated JSON objects whatever the chunking', () => {
  const text = '{"Width":80,"Height":24}\n{"Width":100,"Height":"}{"}\n{"Width":1,"Height":2}';
  for (const size of [1, 3, 7, text.length]) {
    const s = new JsonObjectSplitter();
    const out: unknown[] = [];
    for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
    assert.deepEqual(out, [{ Width: 80, Height: 24 }, { Width: 100, Height: '}{' }, { Width: 1, Height: 2 }]);
  }
});

test('garbage and oversized input are errors; sizes need two numbers', () => {
  assert.throws(() => new JsonObjectSplitter().push('nope'), /unexpected/);
  assert.throws(() => new JsonObjectSplitter(10).push('{"a":"' + 'x'.repeat(20)), /too large/);
  assert.deepEqual(toTerminalSize({ Width: 3, Height: 4 }), { width: 3, height: 4 });
  assert.equal(toTerminalSize({ Width: '3', Height: 4 }), undefined);
  assert.equal(toTerminalSize(null), undefined);
});
