// An OCI runtime that hangs (issue 17, item 4d): a handler whose `path` is a wrapper around runc
// that hangs on one subcommand while a flag file names it. CreateContainer, StartContainer and
// StopContainer fail within runtime.runtime_timeout_seconds (plus a little), naming the handler,
// the subcommand and the key; the hung wrapper (and conmon, for a create) is killed rather than
// left to finish the job later; a failed create leaves no container record, runtime container or
// snapshot; the container works again once the runtime answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { containerEnv, createContainer, runPod, status, type ContainerEnv } from '../helpers/container-env.js';
import { tmpdir } from 'node:os';
import { sleepersWith } from '../helpers/processes.js';

const TIMEOUT_S = 3;
const marker = `9${randomBytes(4).readUInt32BE(0)}`; // the hung wrapper sleeps this many seconds: a number nothing else sleeps
const base = mkdtempSync(join(tmpdir(), 'rktlet-stall-rt-'));
const flagDir = join(base, 'flags');
const wrapper = join(base, 'runc-hang');
let env: ContainerEnv;

before(async () => {
  mkdirSync(flagDir);
  // The subcommand is the first argument that is not an option.
  writeFileSync(
    wrapper,
    `#!/bin/sh\nfor a in "$@"; do case "$a" in -*) ;; *) [ -e "${flagDir}/$a" ] && sleep ${marker}; break;; esac; done\nexec /usr/sbin/runc "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  const toml = `\n[runtime]\ndefault_handler = "hang"\nruntime_timeout_seconds = ${TIMEOUT_S}\n[runtime.handlers.hang]\ntype = "oci"\npath = "${wrapper}"\n`;
  env = await containerEnv({ daemon: { configToml: toml } });
});
after(async () => {
  rmSync(flagDir, { recursive: true, force: true });
  await env?.close();
  rmSync(base, { recursive: true, force: true });
});

const hung = (): number[] => sleepersWith(marker);

async function settle(ms = 3000): Promise<number[]> {
  const until = Date.now() + ms;
  while (hung().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return hung();
}

/** The runtime's view of a container: its status, or "gone" (waits a little for a kill to land). */
function runcState(id: string): string {
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('/usr/sbin/runc', [`--root=${join(env.d.dirs.runRoot, 'oci', 'hang')}`, 'state', id], { encoding: 'utf8' });
    const s = r.status === 0 ? (JSON.parse(r.stdout) as { status: string }).status : 'gone';
    if (s === 'stopped' || s === 'gone') return s;
    spawnSync('sleep', ['0.1']);
  }
  return 'still there';
}

async function timed<T>(p: Promise<T>): Promise<{ err: { code: number; details: string }; ms: number }> {
  const t0 = Date.now();
  const err = await p.then(
    () => assert.fail('the call succeeded'),
    (e: { code: number; details: string }) => e,
  );
  return { err, ms: Date.now() - t0 };
}

test('a runtime create that hangs fails CreateContainer in bounded time and leaves nothing behind', async () => {
  const pod = await runPod(env);
  writeFileSync(join(flagDir, 'create'), '');
  const { err, ms } = await timed(createContainer(env, pod.id, { name: 'stuck', command: ['sleep', '600'] }));
  assert.match(err.details, /hang/, err.details);
  assert.match(err.details, /runtime_timeout_seconds/, err.details);
  assert.ok(ms < TIMEOUT_S * 1000 + 10_000, `CreateContainer took ${ms} ms`);
  assert.deepEqual(await settle(), [], 'the hung runtime was killed');
  const conmons = spawnSync('pgrep', ['-f', `conmon.*${env.d.dirs.base}`], { encoding: 'utf8' }).stdout.trim();
  assert.equal(conmons, '', 'no conmon left for the failed create');
  assert.equal((await env.d.client.runtime('ListContainers', {})).containers.length, 0);
  const ctrDir = join(env.d.dirs.root, 'containers');
  assert.deepEqual(existsSync(ctrDir) ? readdirSync(ctrDir).filter((n) => !n.startsWith('.')) : [], []);
  rmSync(join(flagDir, 'create'));
  // Retried once the runtime answers: the kubelet's next attempt works.
  const c = await createContainer(env, pod.id, { name: 'stuck', command: ['sleep', '600'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  assert.equal((await status(env, c.id)).status?.state, 'CONTAINER_RUNNING');
});

test('a runtime start or kill that hangs fails StartContainer/StopContainer in bounded time; retries work', async () => {
  const pod = await runPod(env);
  const c = await createContainer(env, pod.id, { name: 'slowstart', command: ['sleep', '600'] });
  writeFileSync(join(flagDir, 'start'), '');
  let r = await timed(env.d.client.runtime('StartContainer', { container_id: c.id }));
  assert.match(r.err.details, /hang start did not answer within 3 s \(runtime.runtime_timeout_seconds\)/);
  assert.ok(r.ms < TIMEOUT_S * 1000 + 10_000, `StartContainer took ${r.ms} ms`);
  assert.deepEqual(await settle(), [], 'the hung runtime was killed');
  rmSync(join(flagDir, 'start'));
  // Recorded as exited (StartError), as containerd does, and so nothing of it may still run.
  const st = (await status(env, c.id)).status!;
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.reason, 'StartError');
  assert.match(runcState(c.id), /^(stopped|gone)$/);
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
  // The kubelet's next attempt: a new container that starts.
  const c2 = await createContainer(env, pod.id, { name: 'slowstart', command: ['sleep', '600'] });
  await env.d.client.runtime('StartContainer', { container_id: c2.id });
  assert.equal((await status(env, c2.id)).status?.state, 'CONTAINER_RUNNING');

  writeFileSync(join(flagDir, 'kill'), '');
  r = await timed(env.d.client.runtime('StopContainer', { container_id: c2.id, timeout: 0 }));
  assert.match(r.err.details, /hang kill did not answer within 3 s/);
  assert.ok(r.ms < 2 * (TIMEOUT_S * 1000) + 10_000, `StopContainer took ${r.ms} ms`);
  assert.deepEqual(await settle(), [], 'the hung runtime was killed');
  rmSync(join(flagDir, 'kill'));
  await env.d.client.runtime('StopContainer', { container_id: c2.id, timeout: 0 });
  assert.equal((await status(env, c2.id)).status?.state, 'CONTAINER_EXITED');
});
