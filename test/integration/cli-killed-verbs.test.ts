// What a daemonless CLI verb SIGKILLed half-way leaves on the state root, beside a live daemon,
// is finished or undone by the daemon (its calls and its exit monitor's poll) without anyone's
// help. Each test puts on disk exactly what the chaos test (chaos.test.ts, CLI kills) caught a
// killed verb leaving, with a lock file naming a dead process as a killed verb's does, and checks
// what the daemon makes of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerEnv, createContainer, runPod, type ContainerEnv } from '../helpers/container-env.js';
import { deadPid } from '../../src/util/test-dead-pid.js';
import { ChangeStamp } from '../../src/store/change-stamp.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv();
});
after(async () => {
  await env?.close();
});

/** Polls until `check` holds (true) or the time is up (false). */
async function eventually(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(250)) if (await check()) return true;
  return check();
}

/** A lock file as a process killed while holding the key leaves it: its pid in it. */
function lockOf(kind: string, key: string, pid: number): string {
  const dir = join(env.d.dirs.runRoot, 'locks', kind);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${key}.lock`);
  writeFileSync(file, String(pid), { mode: 0o600 });
  return file;
}

/** A copy of a record's JSON with every mention of one id (paths, the id itself) made another's. */
function retargeted<T>(file: string, from: string, to: string, change: (x: T) => void): T {
  const x = JSON.parse(readFileSync(file, 'utf8').split(from).join(to)) as T;
  change(x);
  return x;
}

test('the pod-name lock of a killed `app sandbox` is reclaimed by the daemon', async () => {
  // `app sandbox` runs the whole RunPodSandbox under a lock on the pod's name; killed anywhere in
  // it, the lock file stayed for good (nothing swept locks/pod-names).
  const file = lockOf('pod-names', encodeURIComponent('chaos-cli/killed-sandbox'), deadPid());
  const gone = await eventually(async () => {
    await env.d.client.runtime('ListPodSandbox', {});
    return !existsSync(file);
  });
  assert.ok(gone, `${file} is still there`);
});

test('a CREATED record a killed `app add` wrote without bumping the change stamp is reconciled, not listed CREATED with no runtime container', async () => {
  const pod = await runPod(env);
  const real = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  // The killed create's record: complete (meta.json, status.json), CREATED with no pid (the
  // runtime's create never ran or never answered), its lock left, and the store's change stamp
  // not bumped: the daemon first learns of it when it takes the dead process's lock over.
  const id = randomBytes(32).toString('hex');
  const ctrs = join(env.d.dirs.root, 'containers');
  mkdirSync(join(ctrs, id), { mode: 0o700 });
  const meta = retargeted<{ name: string }>(join(ctrs, real.id, 'meta.json'), real.id, id, (m) => (m.name = 'killed-add'));
  const st = retargeted<{ state: string; pid: number }>(join(ctrs, real.id, 'status.json'), real.id, id, (s) => {
    s.state = 'created';
    s.pid = 0;
  });
  // The daemon's own create bumped the stamp: a call first, so that its next rescan is not what
  // finds the record. The lock file last, as a create writes its files under the lock.
  await env.d.client.runtime('ListContainers', {});
  writeFileSync(join(ctrs, id, 'meta.json'), JSON.stringify(meta));
  writeFileSync(join(ctrs, id, 'status.json'), JSON.stringify(st));
  lockOf('containers', id, deadPid());
  const state = async () => (await env.d.client.runtime('ListContainers', { filter: { id } })).containers[0]?.state;
  assert.ok(await eventually(async () => (await state()) !== undefined), 'the daemon lists the killed create');
  // runc has no such container: EXITED (as after any crashed create), never CREATED for good.
  assert.ok(await eventually(async () => (await state()) === 'CONTAINER_EXITED'), `listed ${String(await state())}`);
  assert.ok(!existsSync(join(env.d.dirs.runRoot, 'locks', 'containers', `${id}.lock`)), 'the dead lock went');
  await env.d.client.runtime('RemoveContainer', { container_id: id });
  assert.ok(!existsSync(join(ctrs, id)));
});

test('a create killed while its conmon still runs the runtime\'s create is not declared gone before conmon is', async (t) => {
  const pod = await runPod(env);
  const real = await createContainer(env, pod.id, { command: ['sleep', '3600'] });
  // The killed `app add` got as far as starting conmon: its record is CREATED with no pid, conmon
  // wrote its pid file and runs on (here a process named conmon), the runtime knows nothing yet.
  const id = randomBytes(32).toString('hex');
  const ctrs = join(env.d.dirs.root, 'containers');
  mkdirSync(join(ctrs, id, 'bundle'), { recursive: true, mode: 0o700 });
  const fake = join(ctrs, id, 'conmon');
  copyFileSync(spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), fake);
  const conmon = spawn(fake, ['600'], { stdio: 'ignore' });
  t.after(() => conmon.kill('SIGKILL'));
  await new Promise((r) => conmon.once('spawn', r));
  writeFileSync(join(ctrs, id, 'bundle', 'conmon.pid'), `${conmon.pid}\n`);
  const meta = retargeted<{ name: string }>(join(ctrs, real.id, 'meta.json'), real.id, id, (m) => (m.name = 'killed-add-conmon'));
  const st = retargeted<{ state: string; pid: number }>(join(ctrs, real.id, 'status.json'), real.id, id, (s) => {
    s.state = 'created';
    s.pid = 0;
  });
  writeFileSync(join(ctrs, id, 'meta.json'), JSON.stringify(meta));
  writeFileSync(join(ctrs, id, 'status.json'), JSON.stringify(st));
  await new ChangeStamp(join(ctrs, '.stamp')).bump();
  const lock = lockOf('containers', id, deadPid());
  const state = async () => (await env.d.client.runtime('ListContainers', { filter: { id } })).containers[0]?.state;
  // The daemon takes the dead lock over and reconciles: the runtime does not know the container
  // yet, but its create is still on its way. Declared EXITED now, it would be a created runtime
  // container (and a conmon) of an exited record a moment later.
  assert.ok(await eventually(() => !existsSync(lock)), 'the daemon took the dead lock over');
  await sleep(3000);
  assert.equal(await state(), 'CONTAINER_CREATED');
  // conmon gone (its create failed, or it was killed): nobody will make the container. EXITED.
  conmon.kill('SIGKILL');
  assert.ok(await eventually(async () => (await state()) === 'CONTAINER_EXITED'), `listed ${String(await state())}`);
  await env.d.client.runtime('RemoveContainer', { container_id: id });
  assert.ok(!existsSync(join(ctrs, id)));
});

test('a pod whose `app sandbox` the daemon saw in flight, then killed, is listed NOTREADY, not hidden for good', async () => {
  const real = await runPod(env);
  // A live process holds the pod's lock while the daemon reads its first record (NOTREADY, no
  // infra yet): a run in flight, not listed until ready. Then the process dies.
  const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
  try {
    const id = randomBytes(32).toString('hex');
    const pods = join(env.d.dirs.root, 'pods');
    mkdirSync(join(pods, id), { mode: 0o700 });
    const rec = retargeted<Record<string, unknown> & { metadata: { name: string; uid: string } }>(join(pods, real.id, 'pod.json'), real.id, id, (r) => {
      r.metadata.name = 'killed-sandbox';
      r.metadata.uid = `uid-killed-${id.slice(0, 8)}`;
      r.state = 'SANDBOX_NOTREADY';
      r.infraPid = 0;
      r.infraStartTime = '';
      r.ips = [];
      delete r.cni;
      delete r.cniPending;
    });
    lockOf('pods', id, holder.pid!);
    writeFileSync(join(pods, id, 'pod.json'), JSON.stringify(rec));
    await new ChangeStamp(join(env.d.dirs.root, 'pods.stamp')).bump();
    const listed = async () => (await env.d.client.runtime('ListPodSandbox', { filter: { id } })).items[0]?.state;
    assert.equal(await listed(), undefined, 'a run in flight is not listed');
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    assert.ok(await eventually(async () => (await listed()) === 'SANDBOX_NOTREADY'), `listed ${String(await listed())}`);
    await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: id });
    await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: id });
    assert.ok(!existsSync(join(pods, id)));
  } finally {
    holder.kill('SIGKILL');
  }
});
