// Daemonless: containers outlive a daemon SIGKILL. After the restart running containers are
// RUNNING (and still logged by conmon), one that exited meanwhile reports the exit code and time
// from conmon's exit file, a created one can still be started, and new exits are noticed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon } from '../helpers/daemon.js';
import { containerEnv, createContainer, runPod, status, waitExited, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv();
});
after(async () => {
  await env?.close();
});

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const waitFor = (file: string) => `while [ ! -e ${file} ]; do sleep 0.05; done`;

test('containers survive a daemon SIGKILL and report correct state after the restart', async () => {
  const pod = await runPod(env);
  const keeps = await createContainer(env, pod.id, { command: ['sh', '-c', `trap 'exit 43' TERM; echo before; ${waitFor('/tmp/after')}; echo after; while true; do sleep 0.1; done`] });
  const exits = await createContainer(env, pod.id, { command: ['sh', '-c', `${waitFor('/tmp/go')}; exit 5`] });
  const later = await createContainer(env, pod.id, { command: ['sh', '-c', 'echo late; exit 3'] });
  for (const c of [keeps, exits]) await env.d.client.runtime('StartContainer', { container_id: c.id });
  const info = async (id: string) => JSON.parse((await status(env, id, true)).info.info!) as { pid: number; rootfs: string };
  const k = await info(keeps.id);
  const e = await info(exits.id);
  const logPath = (await status(env, keeps.id)).status!.log_path;
  while (!readFileSync(logPath, 'utf8').includes('before')) await sleep(50);

  await env.d.stop('SIGKILL');
  const killedAt = nowNs();
  // While no daemon runs: one container exits, the other keeps going (and logging).
  writeFileSync(join(e.rootfs, 'tmp', 'go'), '');
  writeFileSync(join(k.rootfs, 'tmp', 'after'), '');
  while (existsSync(`/proc/${e.pid}`)) await sleep(50);
  while (!readFileSync(logPath, 'utf8').includes('after')) await sleep(50);
  assert.ok(existsSync(`/proc/${k.pid}`));
  await sleep(20);
  const restartAt = nowNs();
  env.d = await TestDaemon.start({ dirs: env.d.dirs });

  const sk = (await status(env, keeps.id)).status!;
  assert.equal(sk.state, 'CONTAINER_RUNNING');
  assert.equal((await info(keeps.id)).pid, k.pid);
  const se = (await status(env, exits.id)).status!;
  assert.equal(se.state, 'CONTAINER_EXITED');
  assert.equal(se.exit_code, 5);
  assert.equal(se.reason, 'Error');
  assert.ok(BigInt(se.finished_at) > killedAt && BigInt(se.finished_at) < restartAt, 'finish time from the exit file');
  assert.equal((await status(env, later.id)).status!.state, 'CONTAINER_CREATED');
  const listed = await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: pod.id } });
  assert.equal(listed.containers.length, 3);

  // Everything still works on the recovered containers.
  const ex = await env.d.client.runtime('ExecSync', { container_id: keeps.id, cmd: ['echo', 'hi'], timeout: '10' });
  assert.equal(Buffer.from(ex.stdout).toString(), 'hi\n');
  await env.d.client.runtime('StartContainer', { container_id: later.id });
  assert.equal((await waitExited(env, later.id)).exit_code, 3);
  await env.d.client.runtime('StopContainer', { container_id: keeps.id, timeout: '10' });
  assert.equal((await status(env, keeps.id)).status!.exit_code, 43);
  for (const c of [keeps, exits, later]) await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  assert.equal((await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: pod.id } })).containers.length, 0);
});

test('an exit while the daemon is down is noticed even when it happens during start-up', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { command: ['sh', '-c', `${waitFor('/tmp/go')}; exit 9`] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const v = JSON.parse((await status(env, c.id, true)).info.info!) as { rootfs: string };
  await env.d.stop('SIGKILL');
  env.d = await TestDaemon.start({ dirs: env.d.dirs });
  assert.equal((await status(env, c.id)).status!.state, 'CONTAINER_RUNNING');
  writeFileSync(join(v.rootfs, 'tmp', 'go'), '');
  const s = await waitExited(env, c.id);
  assert.equal(s.exit_code, 9);
});
