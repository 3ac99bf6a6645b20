// The daemonless CLI (`rktlet app …`, `pods`, `pod …`, `exec`) on the state root of a running
// daemon: what one creates, stops or removes, the other sees on its next call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordContainerEvents } from '../helpers/events.js';
import { runCli } from '../helpers/daemon.js';
import { containerEnv, createContainer, grpcError, runPod, status, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv();
});
after(async () => {
  await env?.close();
});

// Global options first: whatever follows `--` is the container's command.
const cli = (...args: string[]) => runCli(['--root', env.d.dirs.root, '--run-root', env.d.dirs.runRoot, '--config', env.d.dirs.config, ...args]);

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  assert.equal(r.code, 0, `rktlet ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function daemonState(id: string): Promise<{ state: string; exit_code: number; reason: string }> {
  const s = await status(env, id);
  return { state: s.status!.state as string, exit_code: s.status!.exit_code, reason: s.status!.reason };
}

test('CLI pod and apps are seen by the running daemon; daemon containers by the CLI', async () => {
  const podId = (await ok('app', 'sandbox', '--name', 'side', '--namespace', 'cli', '--uid', 'uid-side', '--label', 'made-by=cli')).trim();
  assert.match(podId, /^[0-9a-f]{64}$/);

  // The daemon lists it READY with its IP, as the CLI reports it.
  const list = await env.d.client.runtime('ListPodSandbox', { filter: { label_selector: { 'made-by': 'cli' } } });
  assert.deepEqual(list.items.map((p) => [p.id, p.state, p.metadata?.name]), [[podId, 'SANDBOX_READY', 'side']]);
  const dst = await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: podId });
  const ip = dst.status!.network!.ip;
  assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
  const cst = JSON.parse(await ok('pod', 'status', 'side')) as { id: string; state: string; network: { ip: string } };
  assert.deepEqual([cst.id, cst.state, cst.network.ip], [podId, 'SANDBOX_READY', ip]);
  assert.match(await ok('pods'), new RegExp(`${podId.slice(0, 13)}\\s+\\S+\\s+Ready\\s+side\\s+cli`));

  // Same metadata a second time: AlreadyExists, from the CLI and from the daemon.
  const dup = await cli('app', 'sandbox', '--name', 'side', '--namespace', 'cli', '--uid', 'uid-side');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /reserved|already exists/);
  const dupErr = await grpcError(env.d.client.runtime('RunPodSandbox', { config: { metadata: { name: 'side', namespace: 'cli', uid: 'uid-side', attempt: 0 } } }));
  assert.equal(dupErr?.code, 6, dupErr?.details);

  // A CLI app: created, then started; the daemon follows.
  const sleeperId = (await ok('app', 'add', podId.slice(0, 10), env.image, '--name', 'sleeper', '--env', 'GREETING=hi', '--', 'sleep', '3600')).trim();
  const dl = await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: podId } });
  assert.deepEqual(dl.containers.map((c) => [c.id, c.state, c.metadata?.name]), [[sleeperId, 'CONTAINER_CREATED', 'sleeper']]);
  await ok('app', 'start', 'side', '--app', 'sleeper');
  assert.equal((await daemonState(sleeperId)).state, 'CONTAINER_RUNNING');

  // exec: output and exit code come through; the daemon can exec in the CLI's container too.
  const ex = await cli('exec', 'sleeper', '--', 'sh', '-c', 'echo $GREETING; echo oops >&2; exit 42');
  assert.deepEqual([ex.code, ex.stdout, ex.stderr], [42, 'hi\n', 'oops\n']);
  const ds = await env.d.client.runtime('ExecSync', { container_id: sleeperId, cmd: ['cat', '/etc/hostname'], timeout: '10' });
  assert.equal(ds.stdout.toString(), 'side\n');

  // A daemon container: the CLI lists it, stops it (its exit code reaches the daemon), removes it.
  const daemonPod = await runPod(env);
  const trap = await createContainer(env, daemonPod.id, { name: 'trap', command: ['sh', '-c', 'trap "exit 7" TERM; sleep 3600 & wait'] });
  await env.d.client.runtime('StartContainer', { container_id: trap.id });
  const apps = await ok('app', 'list', daemonPod.id);
  assert.match(apps, /^ID\s+NAME\s+IMAGE\s+STATE\s+CREATED\s+EXIT/);
  assert.match(apps, new RegExp(`${trap.id.slice(0, 13)}\\s+trap\\s+\\S+busybox:latest\\s+RUNNING\\s+\\S+\\s+-`));
  await sleep(300); // let sh install its trap
  await ok('app', 'stop', daemonPod.id, '--app', 'trap', '--timeout', '20');
  assert.deepEqual(await daemonState(trap.id), { state: 'CONTAINER_EXITED', exit_code: 7, reason: 'Error' });
  const st = JSON.parse(await ok('app', 'status', daemonPod.id, '--app', 'trap')) as { state: string; exit_code: number };
  assert.deepEqual([st.state, st.exit_code], ['CONTAINER_EXITED', 7]);
  await ok('app', 'rm', daemonPod.id, '--app', trap.id.slice(0, 12));
  const after = await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: daemonPod.id } });
  assert.deepEqual(after.containers, []);
  assert.equal((await grpcError(status(env, trap.id)))?.code, 5);

  // A CLI app that exits on its own: the daemon's exit monitor records conmon's exit file.
  await ok('app', 'add', 'side', env.image, '--name', 'job', '--', 'sh', '-c', 'sleep 0.5; exit 5');
  const jobId = (await ok('app', 'list', 'side')).split('\n').find((l) => /\sjob\s/.test(l))!.split(/\s+/)[0]!;
  const full = (await env.d.client.runtime('ListContainers', { filter: { id: jobId } })).containers[0]!.id;
  await ok('app', 'start', 'side', '--app', 'job');
  let s = await daemonState(full);
  while (s.state !== 'CONTAINER_EXITED') {
    await sleep(100);
    s = await daemonState(full);
  }
  assert.deepEqual(s, { state: 'CONTAINER_EXITED', exit_code: 5, reason: 'Error' });

  // The daemon stops the CLI's container; the CLI sees it.
  await env.d.client.runtime('StopContainer', { container_id: sleeperId, timeout: '0' });
  assert.match(await ok('app', 'list', 'side'), new RegExp(`${sleeperId.slice(0, 13)}\\s+sleeper\\s+\\S+\\s+EXITED\\s+\\S+\\s+137`));

  // CLI stops and removes the pod; the daemon follows.
  await ok('pod', 'stop', podId);
  assert.equal((await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: podId })).status!.state, 'SANDBOX_NOTREADY');
  assert.deepEqual((await ok('pods', '-q', '--state', 'notready')).trim().split('\n'), [podId]);
  await ok('pod', 'rm', podId);
  const gone = await env.d.client.runtime('ListPodSandbox', {});
  assert.deepEqual(gone.items.map((p) => p.id), [daemonPod.id]);
  assert.deepEqual((await env.d.client.runtime('ListContainers', { filter: { pod_sandbox_id: podId } })).containers, []);
  // The name is free again.
  const again = (await ok('app', 'sandbox', '--name', 'side', '--namespace', 'cli', '--uid', 'uid-side', '--net', 'host')).trim();
  assert.equal((await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: again })).status!.linux!.namespaces!.options!.network, 'NODE');
});

test('two processes racing for one pod name: one wins, the other gets AlreadyExists', async () => {
  const args = ['app', 'sandbox', '--name', 'race', '--namespace', 'cli', '--uid', 'uid-race', '--net', 'host'];
  const [a, b] = await Promise.all([cli(...args), cli(...args)]);
  assert.deepEqual([a.code, b.code].sort(), [0, 1], a.stderr + b.stderr);
  assert.match((a.code ? a : b).stderr, /a pod named "race" already exists in namespace "cli": [0-9a-f]{64}/);
  const winner = (a.code ? b : a).stdout.trim();
  const pods = await env.d.client.runtime('ListPodSandbox', { filter: { label_selector: {} } });
  assert.deepEqual(pods.items.filter((p) => p.metadata?.name === 'race').map((p) => [p.id, p.state]), [[winner, 'SANDBOX_READY']]);
  await ok('pod', 'rm', winner);
});

test('pod names are unique per namespace for the CLI, whichever face made the pod; an ambiguous name or ID prefix is refused with the candidates', async () => {
  const sandbox = (name: string, ns: string) => cli('app', 'sandbox', '--name', name, '--namespace', ns, '--net', 'host');
  const first = await sandbox('web', 'uniq');
  assert.equal(first.code, 0, first.stderr);
  const id1 = first.stdout.trim();
  const second = await sandbox('web', 'uniq');
  assert.equal(second.code, 1, 'a second "web" in namespace uniq is refused');
  assert.match(second.stderr, new RegExp(`a pod named "web" already exists in namespace "uniq": ${id1}`));
  const named = async (name: string) => (await env.d.client.runtime('ListPodSandbox', {})).items.filter((p) => p.metadata?.name === name);
  assert.deepEqual((await named('web')).map((p) => p.id), [id1]);
  // A pod the kubelet made through the daemon holds its name for the CLI too.
  const kube = await env.d.client.runtime('RunPodSandbox', {
    config: { metadata: { name: 'kweb', namespace: 'uniq', uid: 'uid-kweb', attempt: 0 }, linux: { security_context: { namespace_options: { network: 'NODE' } } } },
  });
  const third = await sandbox('kweb', 'uniq');
  assert.equal(third.code, 1);
  assert.match(third.stderr, new RegExp(`a pod named "kweb" already exists in namespace "uniq": ${kube.pod_sandbox_id}`));
  // Another namespace is another name.
  const other = await sandbox('web', 'uniq2');
  assert.equal(other.code, 0, other.stderr);
  const id2 = other.stdout.trim();

  // "web" now names two pods: every verb refuses it and lists both; nothing is removed.
  for (const args of [['pod', 'rm', 'web'], ['pod', 'status', 'web'], ['app', 'list', 'web'], ['app', 'add', 'web', env.image]]) {
    const r = await cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, /"web" matches 2 pods/);
    for (const id of [id1, id2]) assert.ok(r.stderr.includes(id.slice(0, 13)), r.stderr);
  }
  assert.equal((await named('web')).length, 2);

  // An ID prefix two pods share (pods are made until two IDs start alike) is refused too.
  const made = [id1, id2, kube.pod_sandbox_id];
  const shared = (): string | undefined => made.map((id) => id[0]!).find((c, i, all) => all.indexOf(c) !== i);
  for (let i = 0; !shared(); i++) {
    const r = await env.d.client.runtime('RunPodSandbox', {
      config: { metadata: { name: `pfx${i}`, namespace: 'uniq', uid: `uid-pfx${i}`, attempt: 0 }, linux: { security_context: { namespace_options: { network: 'NODE' } } } },
    });
    made.push(r.pod_sandbox_id);
  }
  const prefix = shared()!;
  const amb = await cli('pod', 'stop', prefix);
  assert.equal(amb.code, 1);
  assert.match(amb.stderr, new RegExp(`"${prefix}" matches [2-9] pods`));
  assert.ok((await env.d.client.runtime('ListPodSandbox', {})).items.filter((p) => made.includes(p.id)).every((p) => p.state === 'SANDBOX_READY'), 'no pod was stopped');
  // ps --pod filters by that prefix: refused too once two of those pods have containers.
  for (const id of made.filter((x) => x.startsWith(prefix)).slice(0, 2)) {
    await env.d.client.runtime('CreateContainer', { pod_sandbox_id: id, config: { metadata: { name: 'in-pfx', attempt: 0 }, image: { image: env.image }, command: ['true'] } });
  }
  const ps = await cli('ps', '-a', '--pod', prefix);
  assert.equal(ps.code, 1, ps.stdout);
  assert.match(ps.stderr, new RegExp(`"${prefix}" matches [2-9] pods`));

  // Two attempts of one container name (the kubelet restarts it as attempt 1): refused by name, picked by ID.
  const ctr = (attempt: number) =>
    env.d.client.runtime('CreateContainer', {
      pod_sandbox_id: kube.pod_sandbox_id,
      config: { metadata: { name: 'twice', attempt }, image: { image: env.image }, command: ['true'] },
      sandbox_config: { metadata: { name: 'kweb', namespace: 'uniq', uid: 'uid-kweb', attempt: 0 } },
    });
  const c0 = (await ctr(0)).container_id;
  const c1 = (await ctr(1)).container_id;
  for (const args of [['app', 'status', kube.pod_sandbox_id, '--app', 'twice'], ['inspect', 'twice'], ['exec', 'twice', '--', 'true'], ['app', 'rm', 'kweb', '--app', 'twice']]) {
    const r = await cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, /"twice" matches 2 (containers|apps in pod [0-9a-f]{13});/);
    for (const id of [c0, c1]) assert.ok(r.stderr.includes(id.slice(0, 13)), r.stderr);
  }
  assert.equal(JSON.parse(await ok('app', 'status', 'kweb', '--app', c1)).metadata.attempt, 1);
  for (const id of made) await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: id });
});

test("the daemon's GetContainerEvents reports what the CLI does to a container", { timeout: 60_000 }, async () => {
  const pod = await runPod(env);
  const rec = recordContainerEvents(env.d.dirs.socket);
  await sleep(100);
  const id = (await ok('app', 'add', pod.id, env.image, '--name', 'ev', '--', 'sleep', '3600')).trim();
  await ok('app', 'start', pod.id, '--app', 'ev');
  await ok('app', 'stop', pod.id, '--app', 'ev', '--timeout', '0');
  await ok('app', 'rm', pod.id, '--app', 'ev');
  // No CRI call needed: the daemon's exit monitor syncs every 2 s.
  while (rec.typesFor(id).length < 4) await sleep(50);
  await sleep(2500); // and nothing is reported twice
  rec.close();
  assert.deepEqual(
    rec.typesFor(id),
    ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT'],
  );
});

test("a pod the CLI is still creating is not listed by the daemon until it is ready", async () => {
  const seen: string[] = [];
  let done = false;
  const run = cli('app', 'sandbox', '--name', 'inflight', '--namespace', 'cli').finally(() => (done = true));
  while (!done) {
    const l = await env.d.client.runtime('ListPodSandbox', {});
    for (const p of l.items) if (p.metadata?.name === 'inflight') seen.push(p.state as string);
    await sleep(10);
  }
  const id = (await run).stdout.trim();
  assert.ok(seen.every((s) => s === 'SANDBOX_READY'), seen.join());
  assert.equal((await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: id })).status!.state, 'SANDBOX_READY');
  await ok('pod', 'rm', id);
});

test('bad input: clear errors, nothing changes', async () => {
  const before = await env.d.client.runtime('ListPodSandbox', {});
  const r1 = await cli('app', 'sandbox', '--port', 'eighty');
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /--port must be/);
  const r2 = await cli('app', 'add', 'nosuchpod', env.image);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /pod "nosuchpod" not found/);
  const r3 = await cli('exec', 'nosuch', '--', 'true');
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /not found/);
  const r4 = await cli('app', 'sandbox', '--name', 'nohandler', '--runtime', 'kata-nope');
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /no runtime for "kata-nope" is configured \(configured handlers: runc, crun, host\)/);
  assert.deepEqual((await env.d.client.runtime('ListPodSandbox', {})).items.length, before.items.length);
});
