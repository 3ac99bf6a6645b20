import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandWord } from './command-word.js';

test('commandWord skips global options and their values', () => {
  assert.equal(commandWord(['serve', '--root', '/r']), 'serve');
  assert.equal(commandWord(['--root', '/r', '--run-root', '/run', '--config', 'c.toml', 'ps', '-a']), 'ps');
  assert.equal(commandWord(['--root=/r', '--log-level', 'debug', 'pod', 'status', 'x']), 'pod');
  assert.equal(commandWord(['--socket', 'serve', 'images']), 'images');
  assert.equal(commandWord(['--', 'pull']), 'pull');
});

test('commandWord is undefined for help, the version, or no command at all', () => {
  assert.equal(commandWord([]), undefined);
  assert.equal(commandWord(['--root', '/r']), undefined);
  assert.equal(commandWord(['-h', 'serve']), undefined);
  assert.equal(commandWord(['--help']), undefined);
  assert.equal(commandWord(['--root', '/r', '-v']), undefined);
  // After the command word, help is that command's business.
  assert.equal(commandWord(['serve', '--help']), 'serve');
});
