import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageUser } from './image-convert.js';

test('the image user: uid or name, group dropped', () => {
  assert.deepEqual(imageUser('1000:1000'), { uid: '1000', username: '' });
  assert.deepEqual(imageUser('alice:wheel'), { username: 'alice' });
  assert.deepEqual(imageUser('0'), { uid: '0', username: '' });
  assert.deepEqual(imageUser(''), { username: '' });
  assert.deepEqual(imageUser(undefined), { username: '' });
});
