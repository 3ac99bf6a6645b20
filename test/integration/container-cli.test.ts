// Daemonless container verbs on the daemon's state root: ps, inspect, logs, logs -f.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/daemon.js';
import { containerEnv, createContainer, runPod, waitExited, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv();
});
after(async () => {
  await env?.close();
});

const cli = (...args: string[]) => runCli([...args, '--root', env.d.dirs.root, '--run-root', env.d.dirs.runRoot, '--config', env.d.dirs.config]);

test('ps, inspect, logs and logs -f', async () => {
  const pod = await runPod(env);
  const running = await createContainer(env, pod.id, { name: 'web', command: ['sleep', '3600'] });
  await env.d.client.runtime('StartContainer', { container_id: running.id });
  const done = await createContainer(env, pod.id, { name: 'job', command: ['sh', '-c', 'echo out; echo err >&2; exit 4'] });
  await env.d.client.runtime('StartContainer', { container_id: done.id });
  await waitExited(env, done.id);

  const ps = await cli('ps');
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^CONTAINER\s+IMAGE\s+CREATED\s+STATE\s+NAME\s+ATTEMPT\s+POD ID/);
  assert.match(ps.stdout, new RegExp(`${running.id.slice(0, 13)}.*RUNNING\\s+web`));
  assert.doesNotMatch(ps.stdout, /job/);
  const all = await cli('ps', '-a', '-q', '--pod', pod.id.slice(0, 8));
  assert.deepEqual(all.stdout.trim().split('\n').sort(), [running.id, done.id].sort());

  const insp = await cli('inspect', 'job');
  const j = JSON.parse(insp.stdout) as { status: { id: string; state: string; exit_code: number }; info: { runtimeSpec: { process: { args: string[] } } } };
  assert.equal(j.status.id, done.id);
  assert.equal(j.status.state, 'CONTAINER_EXITED');
  assert.equal(j.status.exit_code, 4);
  assert.deepEqual(j.info.runtimeSpec.process.args, ['sh', '-c', 'echo out; echo err >&2; exit 4']);

  const logs = await cli('logs', done.id.slice(0, 10));
  assert.equal(logs.stdout, 'out\n');
  assert.equal(logs.stderr, 'err\n');
  assert.equal((await cli('logs', 'nosuch')).code, 1);

  // -f prints lines as they come and returns when the container exits.
  const slow = await createContainer(env, pod.id, { command: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.3; done'] });
  const follow = cli('logs', '-f', slow.id);
  await env.d.client.runtime('StartContainer', { container_id: slow.id });
  const f = await follow;
  assert.equal(f.code, 0, f.stderr);
  assert.equal(f.stdout, 'line1\nline2\nline3\n');
});
