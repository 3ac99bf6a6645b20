import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pae } from './dsse.js';

test('PAE is the DSSE spec example, byte for byte (protocol.md)', () => {
  assert.equal(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
});

test('PAE counts bytes, not characters', () => {
  assert.equal(pae('t/é', Buffer.from('ü')).toString('utf8'), 'DSSEv1 4 t/é 2 ü');
});
