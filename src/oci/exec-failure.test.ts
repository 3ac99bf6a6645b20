import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandNotStarted, complaintOf } from './exec-failure.js';

test("runc's reasons for not starting a command are the command's: 127 not found, 126 not executable", () => {
  const line = (what: string) => `time="x" level=error msg="exec failed: unable to start container process: exec: ${what}"\n`;
  assert.deepEqual(commandNotStarted(line('"nope": executable file not found in $PATH')), { message: 'exec: "nope": executable file not found in $PATH', exitCode: 127 });
  assert.deepEqual(commandNotStarted(line('"/x/y": stat /x/y: no such file or directory')), { message: 'exec: "/x/y": no such file or directory', exitCode: 127 });
  assert.equal(commandNotStarted(line('"/": permission denied'))?.exitCode, 126);
  assert.equal(commandNotStarted('container not running'), undefined);
  // As runc really logs it: msg="…" with the inner quotes escaped.
  assert.equal(commandNotStarted('level=error msg="exec failed: unable to start container process: exec: \\"-1\\": executable file not found in $PATH"')?.exitCode, 127);
});

test('a command too long to look up is not found (127), as sh says; found in a complaint of any length', () => {
  const long = 'x'.repeat(70_000);
  const stderr = Buffer.from(`time="x" level=error msg="exec failed: unable to start container process: exec: \\"${long}\\": stat ${long}: file name too long"\n`);
  assert.equal(commandNotStarted(stderr.subarray(0, 4096).toString()), undefined);
  const r = commandNotStarted(complaintOf(stderr));
  assert.equal(r?.exitCode, 127);
  assert.ok(r.message.length < 9000 && r.message.endsWith(': file name too long'), r.message.slice(-60));
  assert.equal(commandNotStarted(complaintOf(Buffer.from('exec: "a": argument list too long')))?.exitCode, 126);
  assert.equal(complaintOf(Buffer.from('short: "words"')), 'short: "words"');
});
