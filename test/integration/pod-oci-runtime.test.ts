// The conmon OciRuntime on its own, with the real runc/crun and conmon: create (conmon outside
// our process tree), start, state, update, execSync (output, exit codes, cap, deadline), exec on a
// session (stdin piped), kill (exit file), delete — the interface the pod and container parts build on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { ConmonRuntime } from '../../src/oci/conmon-runtime/runtime.js';
import { DeadlineExceededError } from '../../src/errors/catalog.js';
import { baseSpec } from '../../src/oci/spec/defaults.js';

const base = mkdtempSync(join(tmpdir(), 'rktlet-oci-'));
const made: { rt: ConmonRuntime; id: string }[] = [];
after(async () => {
  for (const { rt, id } of made) await rt.delete(id, true).catch(() => undefined);
  rmSync(base, { recursive: true, force: true });
  spawnSync('sh', ['-c', 'for c in /sys/fs/cgroup/*/rktlet-oci-test; do rmdir "$c"; done 2>/dev/null; true']);
});

function runtime(name: 'runc' | 'crun'): ConmonRuntime {
  return new ConmonRuntime({
    name,
    command: { path: name === 'runc' ? '/usr/sbin/runc' : '/usr/bin/crun', root: join(base, 'state', name), args: [], hideUnifiedCgroup: name === 'crun', systemdCgroup: false },
    conmon: '/usr/bin/conmon',
    helperDir: join(base, 'helpers', name),
  });
}

/** A bundle whose only program is the host's static busybox, running `sleep`. */
function bundle(id: string): { dir: string; exitDir: string; socketDir: string; log: string } {
  const dir = join(base, id);
  mkdirSync(join(dir, 'rootfs'), { recursive: true });
  const spec = baseSpec(join(dir, 'rootfs'));
  spec.root.readonly = true;
  spec.process.args = ['/bin/busybox', 'sh', '-c', 'echo started; exec /bin/busybox sleep 1000'];
  spec.mounts.push({ destination: '/bin/busybox', type: 'bind', source: '/bin/busybox', options: ['rbind', 'ro'] });
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'network');
  spec.linux.cgroupsPath = `/rktlet-oci-test/${id}`;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  return { dir, exitDir: join(base, 'exits'), socketDir: join(base, 'sockets'), log: join(dir, 'ctr.log') };
}

for (const name of ['runc', 'crun'] as const) {
  test(`${name}: create, start, exec, update, kill, delete`, async () => {
    const rt = runtime(name);
    const id = `oci-${name}-${process.pid}`;
    const b = bundle(id);
    made.push({ rt, id });
    assert.equal(await rt.state(id), undefined);

    const created = await rt.create({ id, bundle: b.dir, logPath: b.log, exitDir: b.exitDir, socketDir: b.socketDir, terminal: false, stdin: false, stdinOnce: false });
    assert.equal(created.status, 'created');
    assert.ok(created.pid > 0);
    const conmonPid = Number(readFileSync(join(b.dir, 'conmon.pid'), 'utf8'));
    const ppid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    assert.notEqual(ppid(conmonPid), process.pid, 'conmon is not our child');
    assert.equal((await rt.state(id))?.status, 'created');

    await rt.start(id);
    const st = await rt.state(id);
    assert.equal(st?.status, 'running');
    assert.equal(st?.pid, created.pid);
    for (let i = 0; i < 100 && !readFileSync(b.log, 'utf8').includes('started'); i++) await sleep(20);
    assert.match(readFileSync(b.log, 'utf8'), /^\S+ stdout F started$/m);

    const sync = (cmd: string[], o: { timeoutMs?: number; maxOutputBytes?: number } = {}) =>
      rt.execSync({ id, cmd, timeoutMs: o.timeoutMs ?? 0, maxOutputBytes: o.maxOutputBytes ?? 1 << 20 });
    const ok = await sync(['/bin/busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
    assert.deepEqual([ok.exitCode, ok.stdout.toString(), ok.stderr.toString()], [3, 'out\n', 'err\n']);
    const capped = await sync(['/bin/busybox', 'sh', '-c', 'echo 0123456789'], { maxOutputBytes: 4 });
    assert.equal(capped.stdout.toString(), '0123');
    await assert.rejects(sync(['/bin/busybox', 'sleep', '30'], { timeoutMs: 300 }), DeadlineExceededError);
    // A session exec: stdin piped through, the exit code back.
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const got: Buffer[] = [];
    stdout.on('data', (b: Buffer) => got.push(b));
    stdin.end('piped');
    const piped = await rt.exec(id, ['/bin/busybox', 'sh', '-c', 'cat; exit 4'], { stdin, stdout, tty: false, signal: new AbortController().signal });
    assert.deepEqual([piped.exitCode, Buffer.concat(got).toString()], [4, 'piped']);
    assert.equal((await rt.state(id))?.status, 'running', 'a timed-out exec leaves the container running');

    await rt.update(id, { pids: { limit: 42 } });
    assert.equal(readFileSync(`/sys/fs/cgroup/pids/rktlet-oci-test/${id}/pids.max`, 'utf8').trim(), '42');

    await rt.kill(id, 'SIGKILL');
    for (let i = 0; i < 250 && !existsSync(join(b.exitDir, id)); i++) await sleep(20);
    assert.equal(readFileSync(join(b.exitDir, id), 'utf8').trim(), '137');
    assert.equal((await rt.state(id))?.status, 'stopped');
    await rt.kill(id, 'SIGKILL'); // not running any more: fine
    await rt.delete(id);
    await rt.delete(id); // idempotent
    assert.equal(await rt.state(id), undefined);
  });
}

test('a create that fails reports the runtime\'s own error', async () => {
  const rt = runtime('runc');
  const id = `oci-bad-${process.pid}`;
  const b = bundle(id);
  const spec = JSON.parse(readFileSync(join(b.dir, 'config.json'), 'utf8')) as { process: { args: string[] } };
  spec.process.args = ['/does-not-exist'];
  writeFileSync(join(b.dir, 'config.json'), JSON.stringify(spec));
  made.push({ rt, id });
  await assert.rejects(
    rt.create({ id, bundle: b.dir, logPath: '', exitDir: b.exitDir, socketDir: b.socketDir, terminal: false, stdin: false, stdinOnce: false }),
    (err: Error & { code?: string }) => err.code === 'OCI_RUNTIME' && /does-not-exist/.test(err.message),
  );
});
