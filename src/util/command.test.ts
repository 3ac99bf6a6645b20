import { test, type TestContext } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CommandError, CommandHelper, executeDirect, launchDirect, outputOf, type CommandOptions, type CommandOutput, type SyncPipeLaunch, type SyncPipeResult } from './command.js';

type Run = (file: string, args: readonly string[], o?: CommandOptions) => Promise<CommandOutput>;

/** A helper closed when the test ends. */
function helperFor(t: TestContext, python: string): CommandHelper {
  const h = new CommandHelper(python);
  t.after(() => h.close());
  return h;
}

const runDirect: Run = (f, a, o) => executeDirect(f, a, o).then((c) => outputOf(f, a, c));

const viaHelper =
  (h: CommandHelper): Run =>
  (f, a, o) =>
    h.execute(f, a, o).then((c) => outputOf(f, a, c));

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

test('python3 helper: the same answers, many calls at once, one helper process', async (t) => {
  const h = helperFor(t, '/usr/bin/python3');
  await sameBehaviour(viaHelper(h));
  const pid = h.pid;
  assert.ok(pid, 'the helper is running');
  const outs = await Promise.all(Array.from({ length: 30 }, (_, i) => viaHelper(h)('sh', ['-c', `sleep 0.0${i % 10}; echo ${i}`])));
  assert.deepEqual(
    outs.map((o) => o.stdout),
    Array.from({ length: 30 }, (_, i) => `${i}\n`),
  );
  assert.equal(h.pid, pid, 'the same helper ran them all');
});

test('a helper that dies fails the calls it had taken, and the next call starts a new one', async (t) => {
  const h = helperFor(t, '/usr/bin/python3');
  await viaHelper(h)('true', []);
  const first = h.pid!;
  const taken = viaHelper(h)('sleep', ['3']);
  process.kill(first, 'SIGKILL');
  const err = await failure(taken);
  assert.equal(err.code, 'EHELPER');
  assert.deepEqual(await viaHelper(h)('echo', ['again']), { stdout: 'again\n', stderr: '' });
  assert.ok(h.pid && h.pid !== first, 'a new helper answered');
});

test('without python3 the commands run directly', async (t) => {
  const h = helperFor(t, '/nonexistent/python3');
  assert.deepEqual(await viaHelper(h)('echo', ['direct']), { stdout: 'direct\n', stderr: '' });
  assert.deepEqual(await viaHelper(h)('echo', ['still']), { stdout: 'still\n', stderr: '' });
  assert.equal(h.pid, undefined);
});

test('close lets the helper answer what it has taken', async () => {
  const h = new CommandHelper('/usr/bin/python3');
  const taken = viaHelper(h)('sh', ['-c', 'sleep 0.2; echo done']);
  await new Promise((r) => setTimeout(r, 50));
  h.close();
  assert.deepEqual(await taken, { stdout: 'done\n', stderr: '' });
});

// A stand-in for conmon: reports on the sync pipe named by $SYNC, leaving a child that keeps it open.
const REPORT = 'import os, sys; os.write(int(os.environ["SYNC"]), sys.argv[1].encode() + b"\\n")';
const monitor = (msg: string) => ['-c', `sleep 3 & /usr/bin/python3 -c '${REPORT}' '${msg}'; echo started >&2`];

async function sameLaunches(launch: (file: string, args: readonly string[], l: SyncPipeLaunch) => Promise<SyncPipeResult>): Promise<void> {
  const l = { env: { PATH: '/usr/bin:/bin' }, syncEnv: 'SYNC', cwd: '/tmp', timeoutMs: 5000 };
  const t0 = Date.now();
  const ok = await launch('sh', monitor('{"data": 42}'), l);
  assert.equal(ok.line, '{"data": 42}');
  assert.equal(ok.code, null);
  assert.ok(Date.now() - t0 < 2500, 'answered at the first line, not when the pipe closed');
  // Failing before any report: no line, the exit code and what it said.
  const bad = await launch('sh', ['-c', 'echo "no such runtime" >&2; exit 1'], l);
  assert.deepEqual(bad, { line: undefined, code: 1, stderr: 'no such runtime\n' });
  const silent = await launch('sh', ['-c', 'sleep 2'], { ...l, timeoutMs: 200 });
  assert.equal(silent.line, undefined);
  const missing = await launch('/nonexistent/conmon', [], l).then(
    () => assert.fail('started'),
    (e: unknown) => e,
  );
  assert.ok(missing instanceof CommandError && missing.code === 'ENOENT');
}

test('sync-pipe launches (conmon): the first line, or the exit code and stderr; both launchers', async (t) => {
  await sameLaunches(launchDirect);
  const h = helperFor(t, '/usr/bin/python3');
  await sameLaunches((f, a, l) => h.launch(f, a, l));
});

type Exec = (file: string, args: readonly string[], o?: CommandOptions) => Promise<import('./command.js').Completion>;

async function sameExecution(exec: Exec): Promise<void> {
  // Any exit code resolves; bytes stay bytes; each stream is capped on its own.
  const c = await exec('sh', ['-c', 'printf "\\377\\000\\001"; head -c 100000 /dev/zero >&2; exit 7'], { maxOutputBytes: 10 });
  assert.equal(c.code, 7);
  assert.deepEqual(c.stdout, Buffer.from([0xff, 0x00, 0x01]));
  assert.equal(c.stderr.length, 10);
  assert.equal(c.timedOut, false);
  // Abort kills it.
  const ac = new AbortController();
  const t0 = Date.now();
  const p = exec('sleep', ['5'], { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  const k = await p;
  assert.equal(k.signal, 'SIGKILL');
  assert.equal(k.code, null);
  assert.ok(Date.now() - t0 < 4000);
  // Already aborted: killed at once.
  const gone = new AbortController();
  gone.abort();
  assert.equal((await exec('sleep', ['5'], { signal: gone.signal })).signal, 'SIGKILL');
}

test('execute: exit codes resolve, bytes, per-stream caps, abort; both launchers', async (t) => {
  await sameExecution(executeDirect);
  const h = helperFor(t, '/usr/bin/python3');
  await sameExecution((f, a, o) => h.execute(f, a, o));
});

test('helper: big outputs cross whole as bytes, capped or not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-command-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'random');
  const data = randomBytes(12 << 20);
  writeFileSync(file, data);
  const h = helperFor(t, '/usr/bin/python3');
  const plain = await h.execute('cat', [file]);
  assert.ok(plain.stdout.equals(data), 'uncapped: the same bytes');
  const capped = await h.execute('sh', ['-c', `cat ${file}; cat ${file} >&2`], { maxOutputBytes: 5 << 20, signal: new AbortController().signal });
  assert.ok(capped.stdout.equals(data.subarray(0, 5 << 20)), 'capped stdout: the first bytes');
  assert.ok(capped.stderr.equals(data.subarray(0, 5 << 20)), 'capped stderr: the first bytes');
  const input = await h.execute('sha256sum', [], { input: data });
  assert.equal(input.stdout.toString().split(' ')[0], createHash('sha256').update(data).digest('hex'), 'a big stdin arrives whole');
});

test('a helper that answers with something other than frames is stopped and its calls fail', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-command-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'liar.py');
  // The old protocol's reply (a JSON line) for whatever comes, then it waits.
  writeFileSync(script, 'import sys, time\nsys.stdin.buffer.read(8)\nsys.stdout.write(\'{"id": 1, "code": 0}\\n\')\nsys.stdout.flush()\ntime.sleep(60)\n');
  const h = new CommandHelper('/usr/bin/python3', script);
  t.after(() => h.close());
  const err = await failure(viaHelper(h)('true', []));
  assert.equal(err.code, 'EHELPER');
});

test('a build without the helper programs runs commands directly', async (t) => {
  const h = new CommandHelper('/usr/bin/python3', '/nonexistent/command_helper.py');
  t.after(() => h.close());
  assert.deepEqual(await viaHelper(h)('echo', ['direct']), { stdout: 'direct\n', stderr: '' });
  assert.equal(h.pid, undefined);
});
