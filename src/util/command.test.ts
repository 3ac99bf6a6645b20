import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError, CommandHelper, runDirect, type CommandOptions, type CommandOutput } from './command.js';

type Run = (file: string, args: readonly string[], o?: CommandOptions) => Promise<CommandOutput>;

async function failure(p: Promise<unknown>): Promise<CommandError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CommandError, `expected a CommandError, got ${String(err)}`);
    return err;
  }
  assert.fail('the command succeeded');
}

// Both launchers must answer alike: the helper is only a cheaper way to start the same commands.
async function sameBehaviour(run: Run): Promise<void> {
  const ok = await run('sh', ['-c', 'cat; printf err >&2; printf "%s|%s" "$FOO" "$(pwd)"'], { input: 'in\n', env: { FOO: 'bar', PATH: '/usr/bin:/bin' }, cwd: '/tmp' });
  assert.deepEqual(ok, { stdout: 'in\nbar|/tmp', stderr: 'err' });
  // Binary output survives as text, stdin defaults to empty.
  assert.deepEqual(await run('cat', []), { stdout: '', stderr: '' });

  const exit3 = await failure(run('sh', ['-c', 'echo out; echo bad >&2; exit 3']));
  assert.equal(exit3.code, 3);
  assert.equal(exit3.signal, null);
  assert.equal(exit3.stdout, 'out\n');
  assert.equal(exit3.stderr, 'bad\n');
  assert.match(exit3.message, /^Command failed: sh -c/);

  const term = await failure(run('sh', ['-c', 'kill -TERM $$']));
  assert.equal(term.code, null);
  assert.equal(term.signal, 'SIGTERM');

  const missing = await failure(run('/nonexistent/binary', ['x']));
  assert.equal(missing.code, 'ENOENT');
  assert.match(missing.message, /ENOENT/);

  const t0 = Date.now();
  const slow = await failure(run('sleep', ['5'], { timeoutMs: 200 }));
  assert.ok(Date.now() - t0 < 4000, 'the timeout killed it');
  assert.equal(slow.signal, 'SIGKILL');
  assert.equal(slow.killed, true);
}

test('direct launcher: output, input, env, cwd, exit codes, signals, missing binaries, timeouts', async () => {
  await sameBehaviour(runDirect);
});

test('python3 helper: the same answers, many calls at once, one helper process', async () => {
  const h = new CommandHelper('/usr/bin/python3');
  try {
    await sameBehaviour((f, a, o) => h.run(f, a, o));
    const pid = h.pid;
    assert.ok(pid, 'the helper is running');
    const outs = await Promise.all(Array.from({ length: 30 }, (_, i) => h.run('sh', ['-c', `sleep 0.0${i % 10}; echo ${i}`])));
    assert.deepEqual(
      outs.map((o) => o.stdout),
      Array.from({ length: 30 }, (_, i) => `${i}\n`),
    );
    assert.equal(h.pid, pid, 'the same helper ran them all');
  } finally {
    h.close();
  }
});

test('a helper that dies fails the calls it had taken, and the next call starts a new one', async () => {
  const h = new CommandHelper('/usr/bin/python3');
  try {
    await h.run('true', []);
    const first = h.pid!;
    const taken = h.run('sleep', ['3']);
    process.kill(first, 'SIGKILL');
    const err = await failure(taken);
    assert.equal(err.code, 'EHELPER');
    assert.deepEqual(await h.run('echo', ['again']), { stdout: 'again\n', stderr: '' });
    assert.ok(h.pid && h.pid !== first, 'a new helper answered');
  } finally {
    h.close();
  }
});

test('without python3 the commands run directly', async () => {
  const h = new CommandHelper('/nonexistent/python3');
  try {
    assert.deepEqual(await h.run('echo', ['direct']), { stdout: 'direct\n', stderr: '' });
    assert.deepEqual(await h.run('echo', ['still']), { stdout: 'still\n', stderr: '' });
    assert.equal(h.pid, undefined);
  } finally {
    h.close();
  }
});

test('close lets the helper answer what it has taken', async () => {
  const h = new CommandHelper('/usr/bin/python3');
  const taken = h.run('sh', ['-c', 'sleep 0.2; echo done']);
  await new Promise((r) => setTimeout(r, 50));
  h.close();
  assert.deepEqual(await taken, { stdout: 'done\n', stderr: '' });
});
