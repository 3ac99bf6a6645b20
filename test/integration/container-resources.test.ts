// Limits and what happens at them: OOM kills under a 15 MiB limit, UpdateContainerResources and
// UpdatePodSandboxResources seen in the host's cgroups, oom_score_adj clamping; CRI logs (long
// lines split with P, rotation with ReopenContainerLog); StreamContainers; lifecycle events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordContainerEvents } from '../helpers/events.js';
import { CriClient } from '../../src/client/cri-client.js';
import { containerEnv, createContainer, readLog, runPod, status, waitExited, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv({ daemon: { configToml: '[runtime]\nexec_sync_max_output_bytes = 4096\n' } });
});
after(async () => {
  await env?.close();
});

const MiB = 1024 * 1024;

function resources(o: Record<string, unknown>) {
  return { linux: { resources: o } };
}

function memCgroup(info: { cgroupsPath: string }, file: string): string {
  return readFileSync(`/sys/fs/cgroup/memory${info.cgroupsPath}/${file}`, 'utf8').trim();
}

async function verbose(id: string): Promise<{ pid: number; cgroupsPath: string }> {
  const v = await status(env, id, true);
  return JSON.parse(v.info.info!) as { pid: number; cgroupsPath: string };
}

test('a container over its 15 MiB memory limit is OOM-killed and says so', async () => {
  const pod = await runPod(env);
  // exec: dd is the container's process, the one the kernel kills.
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', 'exec dd if=/dev/zero of=/dev/null bs=64M count=1'], ...resources({ memory_limit_in_bytes: String(15 * MiB) }) });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const s = await waitExited(env, c.id);
  assert.equal(s.reason, 'OOMKilled');
  assert.equal(s.exit_code, 137);
  assert.equal(s.resources?.linux?.memory_limit_in_bytes, String(15 * MiB));
});

test('UpdateContainerResources changes the running container\'s cgroup; pod resources; oom_score_adj clamp', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, {
    command: ['sleep', '3600'],
    ...resources({ memory_limit_in_bytes: String(64 * MiB), cpu_shares: '512', oom_score_adj: '-999' }),
  });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const info = await verbose(c.id);
  assert.equal(memCgroup(info, 'memory.limit_in_bytes'), String(64 * MiB));
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu${info.cgroupsPath}/cpu.shares`, 'utf8').trim(), '512');
  // The daemon runs at its own oom_score_adj; lower cannot be set without CAP_SYS_RESOURCE.
  const own = Number(readFileSync(`/proc/${env.d.proc.pid}/oom_score_adj`, 'utf8'));
  assert.equal(Number(readFileSync(`/proc/${info.pid}/oom_score_adj`, 'utf8')), Math.max(-999, own));

  await env.d.client.runtime('UpdateContainerResources', {
    container_id: c.id,
    linux: { memory_limit_in_bytes: String(32 * MiB), cpu_shares: '256', cpu_quota: '50000', cpu_period: '100000' },
  });
  assert.equal(memCgroup(info, 'memory.limit_in_bytes'), String(32 * MiB));
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu${info.cgroupsPath}/cpu.shares`, 'utf8').trim(), '256');
  assert.equal(readFileSync(`/sys/fs/cgroup/cpu${info.cgroupsPath}/cpu.cfs_quota_us`, 'utf8').trim(), '50000');
  const r = (await status(env, c.id)).status!.resources!.linux!;
  assert.equal(r.memory_limit_in_bytes, String(32 * MiB));
  assert.equal(r.cpu_quota, '50000');

  const podInfo = JSON.parse((await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id, verbose: true })).info.info!) as { cgroupParent: string };
  await env.d.client.runtime('UpdatePodSandboxResources', { pod_sandbox_id: pod.id, resources: { memory_limit_in_bytes: String(256 * MiB), cpu_shares: '1024' } });
  assert.equal(readFileSync(`/sys/fs/cgroup/memory${podInfo.cgroupParent}/memory.limit_in_bytes`, 'utf8').trim(), String(256 * MiB));

  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '0' });
  const err = await env.d.client.runtime('UpdateContainerResources', { container_id: c.id, linux: { cpu_shares: '2' } }).catch((e: { code: number }) => e);
  assert.equal((err as { code: number }).code, 9, 'FAILED_PRECONDITION for an exited container');
});

test('logs: long lines are split with P tags; ReopenContainerLog after a rotation', async () => {
  const pod = await runPod(env);
  const script = 'head -c 20000 /dev/zero | tr "\\0" x; echo; echo first; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second; sleep 3600';
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', script] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const path = (await status(env, c.id)).status!.log_path;
  while (!readFileSync(path, 'utf8').includes('first')) await sleep(50);
  const lines = readLog(path);
  // The records of the first line: P pieces up to the F that ends it.
  const end = lines.findIndex((l) => l.tag === 'F');
  const long = lines.slice(0, end + 1);
  assert.ok(long.length >= 2, 'the 20000-byte line is in several records');
  assert.ok(long.slice(0, -1).every((l) => l.tag === 'P'));
  assert.equal(long.at(-1)!.tag, 'F');
  assert.equal(long.map((l) => l.text).join(''), 'x'.repeat(20000));

  renameSync(path, `${path}.1`);
  await env.d.client.runtime('ReopenContainerLog', { container_id: c.id });
  assert.ok(existsSync(path), 'conmon created the log file again');
  await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['touch', '/tmp/go'], timeout: '10' });
  while (!readFileSync(path, 'utf8').includes('second')) await sleep(50);
  assert.deepEqual(readLog(path).map((l) => l.text), ['second']);
  assert.ok(!readFileSync(`${path}.1`, 'utf8').includes('second'));
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '0' });
  const err = await env.d.client.runtime('ReopenContainerLog', { container_id: c.id }).catch((e: { code: number }) => e);
  assert.equal((err as { code: number }).code, 9, 'FAILED_PRECONDITION when not running');
});

test('StreamContainers pages what ListContainers returns; events for created, started, stopped, deleted', async () => {
  const pod = await runPod(env);
  const rec = recordContainerEvents(env.d.dirs.socket);
  await sleep(100);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', 'exit 0'], labels: { ev: '1' } });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  await waitExited(env, c.id);
  const listed = await env.d.client.runtime('ListContainers', { filter: { label_selector: { ev: '1' } } });
  const streamed = (await CriClient.collect(env.d.client.runtimeStream('StreamContainers', { filter: { label_selector: { ev: '1' } } }))).flatMap((r) => r.containers);
  assert.deepEqual(streamed.map((x) => x.id), listed.containers.map((x) => x.id));
  assert.equal(streamed[0]?.state, 'CONTAINER_EXITED');
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  while (rec.typesFor(c.id).length < 4) await sleep(50);
  rec.close();
  assert.deepEqual(
    rec.typesFor(c.id),
    ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT'],
  );
});

test('ExecSync output is capped per stream at runtime.exec_sync_max_output_bytes', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const r = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['sh', '-c', 'head -c 100000 /dev/zero; head -c 10 /dev/zero >&2; exit 2'], timeout: '20' });
  assert.equal(Buffer.from(r.stdout).length, 4096);
  assert.equal(Buffer.from(r.stderr).length, 10);
  assert.equal(r.exit_code, 2);
});

test('crun containers: create, exec, stop (through the hybrid-cgroup wrapper)', async () => {
  const pod = await env.d.client.runtime('RunPodSandbox', {
    config: { metadata: { name: `crun-${process.pid}`, namespace: 'ctr', uid: `crun-${process.pid}`, attempt: 0 }, log_directory: `${env.logRoot}/crun` },
    runtime_handler: 'crun',
  });
  const c = await createContainer(env, pod.pod_sandbox_id, { command: ['sh', '-c', "trap 'exit 43' TERM; while true; do sleep 0.1; done"] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  assert.equal((await status(env, c.id)).status?.state, 'CONTAINER_RUNNING');
  const r = await env.d.client.runtime('ExecSync', { container_id: c.id, cmd: ['id', '-u'], timeout: '20' });
  assert.equal(Buffer.from(r.stdout).toString(), '0\n');
  await env.d.client.runtime('StopContainer', { container_id: c.id, timeout: '10' });
  assert.equal((await status(env, c.id)).status?.exit_code, 43);
});
