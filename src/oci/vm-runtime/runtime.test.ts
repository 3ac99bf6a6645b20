// The VM runtime's file state machine, without QEMU: a pod directory as bootVm leaves it, whose
// vm.json names a live process (a sleep we start) or a dead one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { FailedPreconditionError, UnimplementedError } from '../../errors/catalog.js';
import { VmRuntime, signalName } from './runtime.js';

const base = mkdtempSync(join(tmpdir(), 'rktlet-vmrt-'));
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
after(() => {
  sleeper.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

const rt = new VmRuntime({ name: 'vm', qemu: '/bin/false', extraArgs: [], memoryMiB: 256, vmRoot: join(base, 'vm'), cacheDir: join(base, 'cache'), exitDir: join(base, 'exits'), timeoutMs: 2000, bootTimeoutMs: 2000 });

function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A pod VM as bootVm records it, "running" as the sleeper, and one container's files in its share. */
function fakePod(pod: string, ctr: string, alive = true): string {
  const dir = join(base, 'vm', 'pods', pod);
  mkdirSync(join(dir, 'share', 'c', ctr), { recursive: true });
  mkdirSync(join(dir, 'share', 'req'), { recursive: true });
  const pid = alive ? sleeper.pid! : 999_999_999;
  writeFileSync(join(dir, 'vm.json'), JSON.stringify({ podId: pod, pid, startTime: alive ? startTime(pid) : '1', netnsPath: '/nonexistent', ip: '10.0.0.2', bootMs: 1 }));
  mkdirSync(join(base, 'vm', 'containers'), { recursive: true });
  writeFileSync(join(base, 'vm', 'containers', `${ctr}.json`), JSON.stringify({ podId: pod, bundle: join(base, 'bundle') }));
  return join(dir, 'share', 'c', ctr);
}

test('signal names as busybox kill takes them', () => {
  assert.equal(signalName('SIGTERM'), 'TERM');
  assert.equal(signalName('KILL'), 'KILL');
  assert.equal(signalName('9'), '9');
  assert.throws(() => signalName('SIGNOPE'));
});

test('a pod is running while its QEMU (pid and start time) is; unknown ids are unknown', async () => {
  fakePod('p1', 'c1');
  assert.deepEqual(await rt.state('p1'), { id: 'p1', status: 'running', pid: sleeper.pid, bundle: '' });
  assert.equal(await rt.state('nope'), undefined);
  await rt.delete('nope'); // idempotent
  fakePod('p0', 'c0', false);
  assert.equal((await rt.state('p0'))?.status, 'stopped');
});

test('a container: created, then running once the agent wrote its pid, stopped once it wrote the exit', async () => {
  const dir = fakePod('p2', 'c2');
  assert.equal((await rt.state('c2'))?.status, 'created');
  writeFileSync(join(dir, 'pid'), '42\n');
  assert.equal((await rt.state('c2'))?.status, 'running');
  writeFileSync(join(dir, 'exit'), '3\n');
  assert.equal((await rt.state('c2'))?.status, 'stopped');
  await assert.rejects(rt.start('c2'), FailedPreconditionError, 'a stopped container cannot start');
});

test('kill of a running container is a request to the agent; of one never started, its exit is the signal\'s', async () => {
  const dir = fakePod('p3', 'c3');
  await rt.kill('c3', 'SIGTERM');
  assert.equal(readFileSync(join(dir, 'exit'), 'utf8'), '143\n', 'never started: nothing to signal, it is recorded as killed');
  const d4 = fakePod('p3', 'c4');
  writeFileSync(join(d4, 'pid'), '42\n');
  await rt.kill('c4', 'SIGKILL');
  const reqs = join(base, 'vm', 'pods', 'p3', 'share', 'req');
  const files = readdirSync(reqs);
  assert.equal(files.length, 1);
  assert.equal(readFileSync(join(reqs, files[0]!), 'utf8'), 'kill c4 KILL\n');
});

test('a container whose VM died reads as stopped (the exit monitor then records it lost)', async () => {
  const dir = fakePod('p5', 'c5', false);
  writeFileSync(join(dir, 'pid'), '42\n');
  assert.equal((await rt.state('c5'))?.status, 'stopped');
});

test('delete removes the container\'s share dir, its exit symlink and index; a pod delete its whole VM dir', async () => {
  const dir = fakePod('p6', 'c6');
  mkdirSync(join(base, 'exits'), { recursive: true });
  symlinkSync(join(dir, 'exit'), join(base, 'exits', 'c6'));
  assert.equal(readlinkSync(join(base, 'exits', 'c6')), join(dir, 'exit'));
  writeFileSync(join(dir, 'exit'), '0\n');
  await rt.delete('c6');
  assert.ok(!existsSync(dir) && !existsSync(join(base, 'exits', 'c6')) && !existsSync(join(base, 'vm', 'containers', 'c6.json')));
  assert.equal(await rt.state('c6'), undefined);
  fakePod('p7', 'c7', false);
  await rt.delete('p7');
  assert.ok(!existsSync(join(base, 'vm', 'pods', 'p7')));
});

test('what the agent cannot do yet is refused, naming it', async () => {
  const streams = { tty: false, stdin: new PassThrough(), signal: new AbortController().signal };
  await assert.rejects(rt.exec('c1', ['sh'], streams), (e: Error) => e instanceof UnimplementedError && /interactive exec.*stdin or terminal/.test(e.message));
  await assert.rejects(rt.exec('c1', ['sh'], { tty: true, signal: streams.signal }), UnimplementedError);
  await assert.rejects(rt.update(), UnimplementedError);
});
