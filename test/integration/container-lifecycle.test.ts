// Containers end to end through a real daemon (conmon + runc, overlay rootfs from a registry
// image): create/start/status/list/logs/exec/stop/remove, exit codes and reasons, events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Grpc } from '@grpc/grpc-js';
import { containerEnv, createContainer, grpcError, readLog, runPod, status, waitExited, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv({ images: { 'library/usr1:latest': { config: { StopSignal: 'SIGUSR1' } } } });
});
after(async () => {
  await env?.close();
});

function ppid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

test('a container that exits with 7: status, times, reason, logs in the CRI format', async () => {
  const pod = await runPod(env);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const c = await createContainer(env, pod.id, {
    command: ['sh', '-c', 'echo hello; echo oops >&2; exit 7'],
    labels: { app: 'seven' },
    annotations: { note: 'x' },
  });
  let s = (await status(env, c.id)).status!;
  assert.equal(s.state, 'CONTAINER_CREATED');
  assert.ok(BigInt(s.created_at) >= t0);
  assert.equal(s.started_at, '0');
  assert.equal(s.log_path, join(pod.logDir, c.logPath));
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  s = await waitExited(env, c.id);
  assert.equal(s.exit_code, 7);
  assert.equal(s.reason, 'Error');
  assert.ok(BigInt(s.started_at) >= BigInt(s.created_at));
  assert.ok(BigInt(s.finished_at) >= BigInt(s.started_at));
  assert.deepEqual(s.labels, { app: 'seven' });
  assert.deepEqual(s.annotations, { note: 'x' });
  assert.equal(s.image?.image, env.image);
  assert.match(s.image_ref, /sha256:[0-9a-f]{64}$/);
  const log = readLog(s.log_path);
  assert.deepEqual(
    log.map((l) => [l.stream, l.tag, l.text]),
    [
      ['stdout', 'F', 'hello'],
      ['stderr', 'F', 'oops'],
    ],
  );
  assert.match(log[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$/);

  const ok = await createContainer(env, pod.id, { command: ['true'] });
  await env.d.client.runtime('StartContainer', { container_id: ok.id });
  const so = await waitExited(env, ok.id);
  assert.equal(so.exit_code, 0);
  assert.equal(so.reason, 'Completed');
});

test("PodSandboxStatus carries its containers' statuses and when they were taken (Evented PLEG)", async () => {
  const pod = await runPod(env);
  const other = await runPod(env);
  const podStatus = (id: string) => env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: id, verbose: false });
  let r = await podStatus(pod.id);
  assert.deepEqual(r.containers_statuses, []);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', 'exit 3'] });
  await createContainer(env, other.id, { command: ['true'] });
  const before = BigInt(Date.now()) * 1_000_000n;
  r = await podStatus(pod.id);
  const after = BigInt(Date.now() + 1) * 1_000_000n;
  assert.ok(BigInt(r.timestamp) >= before && BigInt(r.timestamp) <= after, `timestamp ${r.timestamp} is the time of the call, in ns`);
  assert.deepEqual(r.containers_statuses.map((s) => [s.id, s.state, s.metadata?.name]), [[c.id, 'CONTAINER_CREATED', c.name]]);
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const exited = await waitExited(env, c.id);
  r = await podStatus(pod.id);
  // The same status ContainerStatus gives.
  assert.deepEqual(r.containers_statuses, [exited]);
  assert.equal(r.containers_statuses[0]!.exit_code, 3);
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  assert.deepEqual((await podStatus(pod.id)).containers_statuses, []);
});

// PID 1 ignores signals it has no handler for: these containers trap them.
const TRAPS = "trap 'exit 43' TERM; trap 'exit 42' USR1; while true; do sleep 0.1; done";

test('running container: not a child of the daemon, exec, list filters, stop (SIGTERM), remove', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', TRAPS], labels: { role: 'sleeper' } });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const v = await status(env, c.id, true);
  assert.equal(v.status?.state, 'CONTAINER_RUNNING');
  const info = JSON.parse(v.info.info!) as { pid: number; runtimeSpec: { process: { args: string[] } } };
  assert.ok(info.pid > 0);
  assert.deepEqual(info.runtimeSpec.process.args, ['sh', '-c', TRAPS]);
  assert.notEqual(ppid(info.pid), env.d.proc.pid);
  assert.notEqual(ppid(ppid(info.pid)), env.d.proc.pid, 'conmon is not our child either');

  const ex = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], timeout: '10' });
  assert.equal(ex.exit_code, 3);
  assert.equal(Buffer.from(ex.stdout).toString(), 'out\n');
  assert.equal(Buffer.from(ex.stderr).toString(), 'err\n');
  const hn = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['cat', '/etc/hostname'], timeout: '0' });
  assert.equal(hn.exit_code, 0);

  const byLabel = await env.d.client.runtime('ListContainers', { filter: { label_selector: { role: 'sleeper' } } });
  assert.deepEqual(byLabel.containers.map((x) => x.id), [c.id]);
  const byPrefix = await env.d.client.runtime('ListContainers', { filter: { id: c.id.slice(0, 12) } });
  assert.equal(byPrefix.containers[0]?.pod_sandbox_id, pod.id);
  const running = await env.d.client.runtime('ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' }, pod_sandbox_id: pod.id } });
  assert.deepEqual(running.containers.map((x) => x.id), [c.id]);

  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '30' });
  const s = (await status(env, c.id)).status!;
  assert.equal(s.state, 'CONTAINER_EXITED');
  assert.equal(s.exit_code, 43, 'SIGTERM, the default stop signal');
  assert.equal(s.reason, 'Error');
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '30' });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  const gone = await grpcError(status(env, c.id));
  assert.equal(gone?.code, Grpc.NOT_FOUND);
  assert.ok(!existsSync(`/proc/${info.pid}`));
});

test("stop uses the image's StopSignal", async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', TRAPS] }, `${env.reg.host}/library/usr1:latest`);
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  assert.equal((await status(env, c.id)).status?.stop_signal, 'SIGUSR1');
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '30' });
  assert.equal((await status(env, c.id)).status?.exit_code, 42);
});

test('stop escalates to SIGKILL after the timeout; timeout 0 kills at once; remove of a running one', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '1' });
  assert.equal((await status(env, c.id)).status?.exit_code, 137);

  const k = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: k.id });
  await env.d.client.runtime('StopContainer', { container_id: k.id, timeout: '0' });
  assert.equal((await status(env, k.id)).status?.exit_code, 137);

  const r = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: r.id });
  await env.d.client.runtime('RemoveContainer', { container_id: r.id });
  assert.equal((await grpcError(status(env, r.id)))?.code, Grpc.NOT_FOUND);
});

test('ExecSync timeout fails with DEADLINE_EXCEEDED and kills the command', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const err = await grpcError(env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['sleep', '77'], timeout: '1' }));
  assert.equal(err?.code, Grpc.DEADLINE_EXCEEDED);
  const ps = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['ps'], timeout: '10' });
  assert.doesNotMatch(Buffer.from(ps.stdout).toString(), /sleep 77/);
});

test('bad input: right codes, daemon keeps serving', async () => {
  const pod = await runPod(env);
  assert.equal((await grpcError(env.d.client.runtime('StartContainer', { container_id: 'nope' })))?.code, Grpc.NOT_FOUND);
  assert.equal((await grpcError(env.d.client.runtime('CreateContainer', { pod_sandbox_id: pod.id, config: null })))?.code, Grpc.INVALID_ARGUMENT);
  assert.equal((await grpcError(createContainer(env, 'nopod', { command: ['true'] })))?.code, Grpc.NOT_FOUND);
  assert.equal((await grpcError(createContainer(env, pod.id, { command: ['true'] }, 'no/such:image')))?.code, Grpc.NOT_FOUND);
  for (const log_path of ['../escape.log', '/var/log/abs.log', 'a/../../b.log']) {
    const e = await grpcError(env.d.client.runtime('CreateContainer', { pod_sandbox_id: pod.id, config: { metadata: { name: 'lp', attempt: 0 }, image: { image: env.image }, command: ['true'], log_path } }));
    assert.equal(e?.code, Grpc.INVALID_ARGUMENT, log_path);
  }
  const rel = await grpcError(createContainer(env, pod.id, { command: ['true'], mounts: [{ container_path: 'rel', host_path: '/tmp' }] }));
  assert.equal(rel?.code, Grpc.INVALID_ARGUMENT);
  const c = await createContainer(env, pod.id, { name: 'dup', command: ['true'] });
  assert.equal((await grpcError(createContainer(env, pod.id, { name: 'dup', command: ['true'] })))?.code, Grpc.ALREADY_EXISTS);
  assert.equal((await grpcError(env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['true'], timeout: '1' })))?.code, Grpc.FAILED_PRECONDITION);
  await env.d.client.runtime('RemoveContainer', { container_id: 'never-existed' });
  // A create the runtime refuses is rolled back: nothing listed, the name free again.
  const before = (await env.d.client.runtime('ListContainers', {})).containers.length;
  const active = () => readdirSync(join(env.d.dirs.root, 'snapshots', 'active')).length;
  const snapshotsBefore = active();
  const bad = await grpcError(createContainer(env, pod.id, { name: 'retry', command: ['/no/such/binary'] }));
  assert.ok(bad && bad.code !== Grpc.OK);
  assert.match(bad.details, /no such file|not found/i);
  assert.equal((await env.d.client.runtime('ListContainers', {})).containers.length, before);
  assert.equal(active(), snapshotsBefore, 'its writable layer is gone');
  const again = await createContainer(env, pod.id, { name: 'retry', command: ['true'] });
  assert.equal((await status(env, again.id)).status?.state, 'CONTAINER_CREATED');
  assert.equal((await env.d.client.runtime('Version', {})).runtime_name, 'rktlet');
});

test('StopPodSandbox stops the pod\'s containers; RemovePodSandbox removes them', async () => {
  const pod = await runPod(env);
  const a = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  const b = await createContainer(env, pod.id, { command: ['true'] });
  await env.d.client.runtime('StartContainer', { container_id: a.id });
  const pid = (JSON.parse((await status(env, a.id, true)).info.info!) as { pid: number }).pid;
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: pod.id });
  assert.equal((await status(env, a.id)).status?.state, 'CONTAINER_EXITED');
  assert.equal((await status(env, b.id)).status?.state, 'CONTAINER_EXITED', 'a created container is stopped too');
  assert.ok(!existsSync(`/proc/${pid}`));
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod.id });
  const left = await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: pod.id } });
  assert.deepEqual(left.containers, []);
  assert.equal((await grpcError(status(env, a.id)))?.code, Grpc.NOT_FOUND);
});

test('a TTY container runs on a terminal and logs its output; stdin containers start', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', 'tty; exit 0'], tty: true });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const s = await waitExited(env, c.id);
  assert.equal(s.exit_code, 0);
  assert.match(readLog(s.log_path).map((l) => l.text).join(''), /\/dev\/pts\/\d+/);
  const i = await createContainer(env, pod.id, { command: ['sh', '-c', 'read x; echo got:$x'], stdin: true, stdin_once: true });
  await env.d.client.runtime('StartContainer', { container_id: i.id });
  assert.equal((await status(env, i.id)).status?.state, 'CONTAINER_RUNNING', 'waits on its open stdin');
  await env.d.client.runtime('StopContainer', { container_id: i.id, timeout: '0' });
});
