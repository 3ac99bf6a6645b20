import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chainIds } from './chain-id.js';

test('chain IDs follow the image spec', () => {
  const a = 'sha256:' + 'a'.repeat(64);
  const b = 'sha256:' + 'b'.repeat(64);
  const ab = 'sha256:' + createHash('sha256').update(`${a} ${b}`).digest('hex');
  assert.deepEqual(chainIds([a, b]), [a, ab]);
  assert.deepEqual(chainIds([]), []);
});
