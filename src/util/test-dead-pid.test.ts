import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadPid, pidInUse } from './test-dead-pid.js';

test('deadPid: a reaped child\'s PID, which no process has', () => {
  const a = deadPid();
  const b = deadPid();
  assert.ok(a > 0 && b > 0);
  assert.notEqual(a, b, 'each call is a fresh child');
  assert.equal(pidInUse(a), false);
  assert.equal(pidInUse(process.pid), true);
  assert.equal(pidInUse(process.ppid), true);
});
