import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandNotStarted } from './exec-failure.js';

test("runc's reasons for not starting a command are the command's: 127 not found, 126 not executable", () => {
  const line = (what: string) => `time="x" level=error msg="exec failed: unable to start container process: exec: ${what}"\n`;
  assert.deepEqual(commandNotStarted(line('"nope": executable file not found in $PATH')), { message: 'exec: "nope": executable file not found in $PATH', exitCode: 127 });
  assert.deepEqual(commandNotStarted(line('"/x/y": stat /x/y: no such file or directory')), { message: 'exec: "/x/y": no such file or directory', exitCode: 127 });
  assert.equal(commandNotStarted(line('"/": permission denied'))?.exitCode, 126);
  assert.equal(commandNotStarted('container not running'), undefined);
  // As runc really logs it: msg="…" with the inner quotes escaped.
  assert.equal(commandNotStarted('level=error msg="exec failed: unable to start container process: exec: \\"-1\\": executable file not found in $PATH"')?.exitCode, 127);
});
