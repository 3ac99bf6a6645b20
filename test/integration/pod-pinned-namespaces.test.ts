// The default pod (pod.drop_infra): no infra process and no conmon for the pod itself; its IPC and
// UTS namespaces are pinned as files beside the network one. Containers share them, the hostname
// and sysctls are set in them, a daemon restart keeps the pod READY, and stop unmounts them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { status as Grpc } from '@grpc/grpc-js';
import { TestDaemon } from '../helpers/daemon.js';
import { containerEnv, createContainer, grpcError, runPod, type ContainerEnv } from '../helpers/container-env.js';

let env: ContainerEnv;
before(async () => {
  env = await containerEnv();
});
after(async () => {
  await env?.close();
});

interface Verbose {
  pid: number;
  netnsPath: string;
  shmPath: string;
  pinnedNamespaces: { ipc: string; uts: string } | null;
}

async function verbose(id: string): Promise<Verbose> {
  const st = await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  return JSON.parse(st.info.info!) as Verbose;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
}

/** conmon processes whose command line names this id (conmon gets -c <id>). */
function conmonsOf(id: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('conmon') && cmd.includes(id)) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function exec(id: string, cmd: string[]): Promise<string> {
  const r = await env.d.client.runtime('ExecSync', { container_id: id, cmd, timeout: 10 });
  assert.equal(r.exit_code, 0, `${cmd.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

test('no infra: namespaces pinned as files, shared by the containers, hostname and sysctls set', async () => {
  const pod = await runPod(env, {
    hostname: 'pinned-host',
    linux: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '78', 'kernel.shm_rmid_forced': '1' } },
  });
  const st = await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id });
  assert.equal(st.status!.state, 'SANDBOX_READY');
  assert.match(st.status!.network!.ip, /^10\./);
  const v = await verbose(pod.id);
  assert.equal(v.pid, 0, 'no infra process');
  assert.ok(v.pinnedNamespaces, 'pinned namespaces are recorded');
  const { ipc, uts } = v.pinnedNamespaces;
  for (const f of [ipc, uts, v.netnsPath]) assert.ok(isMounted(f), `${f} is a mounted namespace file`);
  assert.deepEqual(conmonsOf(pod.id), [], 'nothing runs for the pod itself');
  // The namespaces as the host sees them: the hostname in the UTS one, the sysctls in net and IPC.
  assert.equal(sh('nsenter', [`--uts=${uts}`, 'hostname']).trim(), 'pinned-host');
  assert.equal(sh('nsenter', [`--net=${v.netnsPath}`, 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start']).trim(), '78');
  assert.equal(sh('nsenter', [`--ipc=${ipc}`, 'cat', '/proc/sys/kernel/shm_rmid_forced']).trim(), '1');
  assert.notEqual(sh('readlink', ['/proc/self/ns/ipc']), sh('nsenter', [`--ipc=${ipc}`, 'readlink', '/proc/self/ns/ipc']));

  // Two containers: the same network, IPC and UTS namespaces (those pinned), each its own PID one.
  const ids: string[] = [];
  for (const name of ['a', 'b']) {
    const c = await createContainer(env, pod.id, { metadata: { name, attempt: 0 }, command: ['sleep', '300'] });
    await env.d.client.runtime('StartContainer', { container_id: c.id });
    ids.push(c.id);
    assert.equal(conmonsOf(c.id).length, 1, 'one conmon per container');
  }
  const nsOf = (id: string, kind: string) => exec(id, ['readlink', `/proc/self/ns/${kind}`]);
  const pinnedIno = (f: string) => sh('stat', ['-L', '-c', '%i', f]).trim();
  for (const id of ids) {
    assert.equal(await nsOf(id, 'ipc'), `ipc:[${pinnedIno(ipc)}]`);
    assert.equal(await nsOf(id, 'uts'), `uts:[${pinnedIno(uts)}]`);
    assert.equal(await nsOf(id, 'net'), `net:[${pinnedIno(v.netnsPath)}]`);
    assert.equal(await exec(id, ['hostname']), 'pinned-host');
    assert.equal(await exec(id, ['cat', '/proc/sys/kernel/shm_rmid_forced']), '1');
  }
  assert.notEqual(await nsOf(ids[0]!, 'pid'), await nsOf(ids[1]!, 'pid'));
  // POSIX shared memory is the pod's: a file in one container's /dev/shm is seen by the other.
  await exec(ids[0]!, ['sh', '-c', 'echo shared > /dev/shm/x']);
  assert.equal(await exec(ids[1]!, ['cat', '/dev/shm/x']), 'shared');

  // Stop: containers killed, namespaces and /dev/shm unmounted, their files gone; the pod is NOTREADY.
  assert.ok(isMounted(v.shmPath));
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: pod.id });
  assert.equal((await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id })).status!.state, 'SANDBOX_NOTREADY');
  for (const f of [ipc, uts, v.netnsPath, v.shmPath]) {
    assert.ok(!isMounted(f), `${f} unmounted`);
    assert.ok(!existsSync(f), `${f} removed`);
  }
  for (const id of ids) assert.deepEqual(conmonsOf(id), [], 'container monitors are gone');
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod.id });
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod.id });
});

test('no infra: a daemon SIGKILL and restart keep the pod READY with its namespaces and IP', async () => {
  const pod = await runPod(env, { hostname: 'survivor' });
  const c = await createContainer(env, pod.id, { command: ['sleep', '300'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const before = (await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id })).status!;
  const v = await verbose(pod.id);
  await env.d.stop('SIGKILL');
  env.d = await TestDaemon.start({ dirs: env.d.dirs });
  const after = (await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id })).status!;
  assert.equal(after.state, 'SANDBOX_READY');
  assert.equal(after.network!.ip, before.network!.ip);
  assert.equal(after.created_at, before.created_at);
  assert.deepEqual(await verbose(pod.id), v);
  // A container created after the restart joins the same pinned namespaces.
  const c2 = await createContainer(env, pod.id, { metadata: { name: 'late', attempt: 0 }, command: ['sleep', '300'] });
  await env.d.client.runtime('StartContainer', { container_id: c2.id });
  assert.equal(await exec(c2.id, ['hostname']), 'survivor');
  assert.equal(await exec(c2.id, ['readlink', '/proc/self/ns/ipc']), await exec(c.id, ['readlink', '/proc/self/ns/ipc']));
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod.id });
  assert.ok(!existsSync(v.pinnedNamespaces!.ipc) && !existsSync(v.pinnedNamespaces!.uts));
});

test('host network and IPC: nothing to pin; a pod sharing one PID namespace still gets an infra', async () => {
  const host = await runPod(env, { linux: { security_context: { namespace_options: { network: 'NODE', ipc: 'NODE', pid: 'CONTAINER' } } } });
  const hv = await verbose(host.id);
  assert.deepEqual(hv.pinnedNamespaces, { ipc: '', uts: '' });
  assert.equal(hv.pid, 0);
  const c = await createContainer(env, host.id, { command: ['sleep', '300'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  assert.equal(await exec(c.id, ['readlink', '/proc/self/ns/uts']), sh('readlink', ['/proc/self/ns/uts']).trim());
  assert.equal(await exec(c.id, ['readlink', '/proc/self/ns/ipc']), sh('readlink', ['/proc/self/ns/ipc']).trim());

  const shared = await runPod(env, { linux: { security_context: { namespace_options: { pid: 'POD' } } } });
  const sv = await verbose(shared.id);
  assert.equal(sv.pinnedNamespaces, null);
  assert.ok(sv.pid > 0 && existsSync(`/proc/${sv.pid}`), 'the infra holds the shared PID namespace');
  assert.equal(conmonsOf(shared.id).length, 1);
  for (const p of [host, shared]) await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: p.id });
  assert.deepEqual(conmonsOf(shared.id), []);
});

test('no infra: namespaces lost while the daemon was away (a reboot) make the pod NOTREADY at recovery', async () => {
  const pod = await runPod(env, { hostname: 'lost' });
  const v = await verbose(pod.id);
  await env.d.stop('SIGKILL');
  // What a reboot does to bind mounts: gone, with their files left behind.
  sh('umount', [v.pinnedNamespaces!.ipc, v.pinnedNamespaces!.uts, v.netnsPath]);
  env.d = await TestDaemon.start({ dirs: env.d.dirs });
  assert.equal((await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: pod.id })).status!.state, 'SANDBOX_NOTREADY');
  // The kubelet then stops and removes it: CNI DEL without a namespace, files cleaned up.
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: pod.id });
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: pod.id });
  for (const f of [v.pinnedNamespaces!.ipc, v.pinnedNamespaces!.uts, v.netnsPath]) assert.ok(!existsSync(f), `${f} removed`);
  assert.equal((await env.d.client.runtime('ListPodSandbox', {})).items.some((p) => p.id === pod.id), false);
});

test('a pod that asks for no hostname gets the node\'s, whatever the length of its name', async () => {
  // critest names pods with 68 characters; the kernel takes 64 for a hostname.
  const long = `hostname-fallback-${process.pid}-`.padEnd(68, 'x');
  const r = await env.d.client.runtime('RunPodSandbox', {
    config: { metadata: { name: long, namespace: 'ctr', uid: `uid-${long}`, attempt: 0 }, log_directory: env.logRoot, hostname: '' },
  });
  const v = await verbose(r.pod_sandbox_id);
  assert.equal(sh('nsenter', [`--uts=${v.pinnedNamespaces!.uts}`, 'hostname']).trim(), hostname());
  const c = await createContainer(env, r.pod_sandbox_id, { command: ['sleep', '300'] });
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  assert.equal(await exec(c.id, ['hostname']), hostname());
  assert.equal(await exec(c.id, ['cat', '/etc/hostname']), hostname());
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
});

test('no infra: an unknown runtime handler is refused at RunPodSandbox, and nothing is left of the attempt', async () => {
  const { root, runRoot } = env.d.dirs;
  const entries = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
  const before = [join(root, 'pods'), join(root, 'pod-names'), join(runRoot, 'netns'), join(runRoot, 'pinned-ns')].map(entries);
  const metadata = { name: 'handler-nope', namespace: 'ctr', uid: 'uid-handler-nope', attempt: 0 };
  const err = await grpcError(env.d.client.runtime('RunPodSandbox', { config: { metadata }, runtime_handler: 'kata-nope' }));
  assert.equal(err?.code, Grpc.INVALID_ARGUMENT, err?.details);
  assert.match(err!.details, /no runtime for "kata-nope" is configured \(configured handlers: runc, crun, host\)/);
  // No pod dir, name reservation, netns or pinned namespace was made (or all were undone).
  assert.deepEqual([join(root, 'pods'), join(root, 'pod-names'), join(runRoot, 'netns'), join(runRoot, 'pinned-ns')].map(entries), before);
  assert.ok(!(await env.d.client.runtime('ListPodSandbox', {})).items.some((p) => p.metadata?.name === 'handler-nope'));
  // The same metadata with a configured handler is not held back by the refused attempt.
  const ok = await env.d.client.runtime('RunPodSandbox', { config: { metadata }, runtime_handler: 'runc' });
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: ok.pod_sandbox_id });
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: ok.pod_sandbox_id });
});
