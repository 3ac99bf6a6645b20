import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeArgs, mergeEnv } from './process.js';

test('Kubernetes command/args rules', () => {
  const img = { Entrypoint: ['/ep'], Cmd: ['c1', 'c2'] };
  assert.deepEqual(mergeArgs(img, [], []), ['/ep', 'c1', 'c2']);
  assert.deepEqual(mergeArgs(img, [], ['a']), ['/ep', 'a']);
  assert.deepEqual(mergeArgs(img, ['/cmd'], []), ['/cmd']);
  assert.deepEqual(mergeArgs(img, ['/cmd'], ['a']), ['/cmd', 'a']);
  assert.deepEqual(mergeArgs({ Cmd: ['sh'] }, [], []), ['sh']);
  assert.deepEqual(mergeArgs({ Entrypoint: null, Cmd: null }, [], ['x']), ['x']);
  assert.throws(() => mergeArgs({}, [], []));
});

test('env: later keys replace earlier ones in place', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4', 'A=5']), ['A=5', 'B=3', 'C=4']);
  assert.deepEqual(mergeEnv([], ['X']), ['X']);
});
