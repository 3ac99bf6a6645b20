import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLines, joinLogRecords, parseLog, parseLogLine } from './cri-log.js';

test('parses conmon lines', () => {
  assert.deepEqual(parseLogLine('2026-11-28T17:00:00.123456789+00:00 stdout F hello world'), {
    time: '2026-11-28T17:00:00.123456789+00:00',
    stream: 'stdout',
    partial: false,
    text: 'hello world',
  });
  assert.equal(parseLogLine('garbage')?.text, undefined);
  assert.equal(parseLogLine('t stderr P ')?.text, '');
});

test('long lines are split with P tags and joined back', () => {
  const long = 'x'.repeat(25);
  const lines = formatLogLines('T', 'stdout', long, 10);
  assert.deepEqual(lines, ['T stdout P xxxxxxxxxx\n', 'T stdout P xxxxxxxxxx\n', 'T stdout F xxxxx\n']);
  assert.deepEqual(formatLogLines('T', 'stderr', ''), ['T stderr F \n']);
  const recs = parseLog(lines.join('') + 'U stderr F err\n');
  assert.deepEqual(joinLogRecords(recs), [
    { stream: 'stdout', time: 'T', text: long },
    { stream: 'stderr', time: 'U', text: 'err' },
  ]);
});
