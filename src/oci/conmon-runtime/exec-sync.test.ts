// execSync against a stand-in runtime (a shell script speaking `exec --pid-file F ID CMD...`):
// exit codes, per-stream caps, the deadline killing the command, a runtime that fails by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from './exec-sync.js';
import { DeadlineExceededError, OciRuntimeError } from '../../errors/catalog.js';

const FAKE = `#!/bin/sh
# fake-runtime --root R exec --pid-file F ID CMD...
while [ "$1" != "exec" ]; do shift; done; shift
[ "$1" = "--pid-file" ] || exit 99
pidfile=$2; id=$3; shift 3
if [ "$id" = "missing" ]; then echo "container does not exist" >&2; exit 1; fi
echo $$ > "$pidfile"
exec "$@"
`;

function command(path: string, root: string) {
  return { path, root, args: [], systemdCgroup: false, hideUnifiedCgroup: false };
}

test('exit codes, output caps, deadline, runtime failure', async () => {
  const d = mkdtempSync(join(tmpdir(), 'exec-sync-'));
  try {
    const rt = join(d, 'rt');
    writeFileSync(rt, FAKE);
    chmodSync(rt, 0o755);
    const pidDir = join(d, 'pids');
    const base = { command: command(rt, d), id: 'c1', timeoutMs: 0, maxOutputBytes: 10, pidDir };
    const r = await execSync({ ...base, cmd: ['sh', '-c', 'echo 0123456789abcdef; echo err >&2; exit 3'] });
    assert.equal(r.exitCode, 3);
    assert.equal(r.stdout.toString(), '0123456789');
    assert.equal(r.stderr.toString(), 'err\n');

    const marker = join(d, 'still-running');
    await assert.rejects(execSync({ ...base, timeoutMs: 300, cmd: ['sh', '-c', `sleep 2; touch ${marker}`] }), DeadlineExceededError);
    await new Promise((res) => setTimeout(res, 2500));
    assert.ok(!existsSync(marker), 'the command was killed, not left running');

    await assert.rejects(execSync({ ...base, id: 'missing', cmd: ['true'] }), (e: unknown) => e instanceof OciRuntimeError && /does not exist/.test(e.message));
    // Every pid file is gone afterwards, whatever the outcome.
    assert.deepEqual(readdirSync(pidDir), []);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

// Like runc: the command is the runtime's child, its pid written once it exists (late here, as
// under load), and the runtime waits for it.
const SLOW_PID = `#!/bin/sh
while [ "$1" != "exec" ]; do shift; done; shift
pidfile=$2; shift 3
"$@" >/dev/null 2>&1 &  # its output is not ours to wait for: an orphan must not hold the pipes
child=$!
echo $child > "$SIDE"
sleep 0.4
echo $child > "$pidfile"
wait $child
`;

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^Z/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

test('a timed-out command is dead before the answer, even when its pid came after the deadline', async () => {
  const d = mkdtempSync(join(tmpdir(), 'exec-sync-'));
  const side = join(d, 'child.pid');
  const saved = process.env.SIDE;
  process.env.SIDE = side; // the runtime inherits the daemon's environment
  try {
    const rt = join(d, 'rt');
    writeFileSync(rt, SLOW_PID);
    chmodSync(rt, 0o755);
    const base = { command: command(rt, d), id: 'c1', maxOutputBytes: 10, pidDir: join(d, 'pids') };
    await assert.rejects(execSync({ ...base, timeoutMs: 100, cmd: ['sleep', '4321'] }), DeadlineExceededError);
    const child = Number(readFileSync(side, 'utf8'));
    assert.ok(child > 0);
    assert.equal(alive(child), false, `the command (pid ${child}) is gone when ExecSync answers`);

    // Cancelled by the client: the same.
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(execSync({ ...base, timeoutMs: 0, signal: ac.signal, cmd: ['sleep', '4322'] }), /cancelled/);
    assert.equal(alive(Number(readFileSync(side, 'utf8'))), false);
  } finally {
    if (saved === undefined) delete process.env.SIDE;
    else process.env.SIDE = saved;
    rmSync(d, { recursive: true, force: true });
  }
});
