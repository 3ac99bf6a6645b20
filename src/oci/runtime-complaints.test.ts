import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saysNotRunning } from './runtime-complaints.js';

test('runc and crun complaints about a stopped container are recognised, others are not', () => {
  for (const s of [
    'time="2026-12-07T20:03:40Z" level=error msg="cannot start a container that has stopped"',
    'level=error msg="container process is already dead"',
    'level=error msg="exec failed: cannot exec in a stopped container"',
    'level=fatal msg="nsexec-1[11287]: failed to open /proc/10702/ns/ipc: No such file or directory"',
    'msg="exec failed: unable to create new parent process: namespace path: lstat /proc/2496/ns/ipc: no such file or directory"',
    'msg="exec failed: cannot exec in a paused container (use --ignore-paused to override)"',
  ]) {
    assert.ok(saysNotRunning(s), s);
  }
  assert.ok(!saysNotRunning('level=error msg="container does not exist"'));
  assert.ok(!saysNotRunning('permission denied'));
});
