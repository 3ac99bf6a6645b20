// The runtime handlers beyond the default, driven by the real crictl as an operator does
// (`runp --runtime NAME`): crun on this hybrid cgroup v1 host (rktlet decides at start to run it
// without the cgroup2 mount, src/oci/unified-cgroup.ts), and `host` ("fly", src/oci/host-isolation.ts):
// a privileged pod whose app runs chrooted in its image in the host's namespaces; a pod that is not
// privileged with host network, PID and IPC is refused. Each pod: busybox created, started, logs,
// exec, stats, stop, rm. Without crictl the file is skipped (a failure under CI=true).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, imageConfigToml, type Registry } from '../helpers/registry.js';
import { Crictl, findCrictl, type Json } from '../helpers/crictl.js';

const found = findCrictl();
const skip = 'missing' in found ? found.missing : false;
if (skip && process.env.CI === 'true') {
  test('crictl is present in CI', () => assert.fail(`${skip}: CI must run the crictl handler tests`));
}

const NODE = 2; // NamespaceMode NODE in crictl's JSON (the proto enum)
let reg: Registry;
let d: TestDaemon;
let crictl: Crictl;
let ref: string;
let work: string;

function writeJson(name: string, v: unknown): string {
  const p = join(work, name);
  writeFileSync(p, JSON.stringify(v, null, 2));
  return p;
}

function podConfig(name: string, o: { privileged?: boolean; hostNs?: boolean } = {}): Json {
  const ns = o.hostNs ? { network: NODE, pid: NODE, ipc: NODE } : { network: 0, pid: 1, ipc: 0 };
  return {
    metadata: { name, namespace: 'handlers', uid: `${name}-uid`, attempt: 0 },
    log_directory: join(work, 'logs', name),
    linux: { security_context: { privileged: !!o.privileged, namespace_options: ns } },
  };
}

function containerConfig(name: string, command: string[], privileged = false, sc: Json = {}): Json {
  return { metadata: { name, attempt: 0 }, image: { image: ref }, command, log_path: `${name}.log`, linux: { security_context: { privileged, ...sc } } };
}

/** runp + create + start; returns the pod and container ids. */
async function runPodAndContainer(handler: string, pod: Json, ctr: Json): Promise<{ pod: string; ctr: string; podFile: string }> {
  const podFile = writeJson(`${pod.metadata.name}-pod.json`, pod);
  const podId = (await crictl.ok(['runp', '--runtime', handler, podFile], { timeoutMs: 60_000 })).trim();
  const id = (await crictl.ok(['create', podId, writeJson(`${pod.metadata.name}-ctr.json`, ctr), podFile], { timeoutMs: 60_000 })).trim();
  await crictl.ok(['start', id], { timeoutMs: 60_000 });
  return { pod: podId, ctr: id, podFile };
}

async function waitLog(id: string, text: string): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const out = await crictl.ok(['logs', id]);
    if (out.includes(text) || Date.now() > until) return out;
    await sleep(200);
  }
}

/** stats names the container with CPU and memory; stop, rm, stopp, rmp leave nothing. */
async function statsStopRemove(pod: string, ctr: string): Promise<void> {
  const st = await crictl.json<{ stats: Json[] }>(['stats', '--id', ctr]);
  assert.equal(st.stats.length, 1);
  assert.equal(st.stats[0]!.attributes.id, ctr);
  assert.ok(Number(st.stats[0]!.memory.workingSetBytes.value) > 0, 'memory working set');
  assert.ok(Number(st.stats[0]!.cpu.usageCoreNanoSeconds.value) > 0, 'cpu usage');
  await crictl.ok(['stop', '-t', '2', ctr], { timeoutMs: 60_000 });
  const s = await crictl.json(['inspect', ctr]);
  assert.equal(s.status.state, 'CONTAINER_EXITED');
  await crictl.ok(['rm', ctr]);
  await crictl.ok(['stopp', pod], { timeoutMs: 60_000 });
  await crictl.ok(['rmp', pod], { timeoutMs: 60_000 });
  assert.equal((await crictl.ok(['ps', '-a', '-q', '--pod', pod])).trim(), '');
  assert.equal((await crictl.ok(['pods', '-q', '--id', pod])).trim(), '');
}

describe('runtime handlers through crictl', { skip }, () => {
  before(async () => {
    reg = await startRegistry();
    await pushBusybox(reg, 'library/busybox:latest');
    ref = `${reg.host}/library/busybox:latest`;
    d = await TestDaemon.start({ configToml: imageConfigToml(reg) });
    work = join(d.dirs.base, 'crictl-handlers');
    mkdirSync(join(work, 'logs'), { recursive: true });
    crictl = new Crictl((found as { path: string }).path, d.dirs.socket, work);
    await crictl.ok(['pull', ref], { timeoutMs: 60_000 });
  });
  after(async () => {
    await d?.destroy().catch(() => undefined);
    await reg?.stop().catch(() => undefined);
  });

  test('Status lists runc, crun and host; crun, wrapped by the start-up decision, can create containers', async () => {
    // crictl v1.29 does not print runtime_handlers: the gRPC answer itself.
    const s = await d.client.runtime('Status', {});
    const byName = Object.fromEntries(s.runtime_handlers.map((h) => [h.name, h.features]));
    for (const n of ['runc', 'crun', 'host']) assert.ok(n in byName, `${n} in ${Object.keys(byName).join(',')}`);
    // The feature probes create containers with the handler's command line: true only when crun
    // runs without the cgroup2 mount, which the shipped default (hide_unified_cgroup "auto") chose;
    // crun also joins a pod's user namespace (runc 1.1.5 cannot: test/integration/userns.test.ts).
    assert.deepEqual(byName.crun, { recursive_read_only_mounts: true, user_namespaces: true });
    assert.deepEqual(byName.host, byName.runc, 'host runs through runc');
  });

  test('crun: runp --runtime crun, a busybox container, logs, exec, stats, stop, rm', async () => {
    const { pod, ctr } = await runPodAndContainer(
      'crun',
      podConfig('crun-pod'),
      containerConfig('app', ['sh', '-c', 'echo hello from crun; exec sleep 1000'], false, { run_as_user: { value: 1001 }, supplemental_groups: [4242] }),
    );
    assert.equal((await crictl.json(['inspectp', pod])).status.runtimeHandler, 'crun');
    assert.equal((await crictl.json(['inspect', ctr])).status.state, 'CONTAINER_RUNNING');
    // crun itself holds the container (its state under the crun handler's root), not runc.
    const crunList = execFileSync('/usr/bin/crun', ['--root', join(d.dirs.runRoot, 'oci', 'crun'), 'list', '-q'], { encoding: 'utf8' });
    assert.ok(crunList.split('\n').includes(ctr), `crun lists ${ctr}: ${crunList}`);
    assert.match(await waitLog(ctr, 'hello from crun'), /hello from crun/);
    assert.equal((await crictl.ok(['exec', '-s', ctr, 'sh', '-c', 'echo exec-ok $((6*7))'])).trim(), 'exec-ok 42');
    // An exec runs as the container's user with its groups (crun's own exec would run it as root),
    // through exec-sync and through a streaming session.
    assert.equal((await crictl.ok(['exec', '-s', ctr, 'sh', '-c', 'echo $(id -u) $(id -G)'])).trim(), '1001 0 4242');
    assert.equal((await crictl.ok(['exec', ctr, 'sh', '-c', 'echo $(id -u) $(id -G)'])).trim(), '1001 0 4242');
    await statsStopRemove(pod, ctr);
  });

  test('crun: a volume with host-to-container propagation sees what the host mounts after start', async () => {
    // The cgroup wrapper runs crun in a mount namespace of its own: it must keep the volume's
    // shared source a peer of the host's, or the container never sees later host mounts.
    const vol = join(work, 'propagated');
    mkdirSync(join(vol, 'sub'), { recursive: true });
    const ctrCfg = containerConfig('prop', ['sleep', '1000']);
    ctrCfg.mounts = [{ container_path: '/vol', host_path: vol, propagation: 1 }]; // PROPAGATION_HOST_TO_CONTAINER
    const { pod, ctr } = await runPodAndContainer('crun', podConfig('crun-prop'), ctrCfg);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'rktlet-prop-test', join(vol, 'sub')]);
      writeFileSync(join(vol, 'sub', 'f'), 'mounted after start\n');
      assert.equal((await crictl.ok(['exec', '-s', ctr, 'cat', '/vol/sub/f'])).trim(), 'mounted after start');
    } finally {
      execFileSync('umount', ['-l', join(vol, 'sub')], { stdio: 'ignore' });
    }
    await statsStopRemove(pod, ctr);
  });

  test('host: a privileged host-namespace pod runs chrooted in its image in the host namespaces', async () => {
    const { pod, ctr } = await runPodAndContainer(
      'host',
      podConfig('host-pod', { privileged: true, hostNs: true }),
      containerConfig('agent', ['sh', '-c', 'echo hello from the host handler; exec sleep 1000'], true),
    );
    assert.equal((await crictl.json(['inspectp', pod])).status.runtimeHandler, 'host');
    assert.match(await waitLog(ctr, 'hello from the host handler'), /hello from the host handler/);
    // The host's network, PID, IPC and UTS namespaces; a mount namespace of its own whose root is
    // the image (busybox's root has no /work, this host's has).
    const inside = (await crictl.ok(['exec', '-s', ctr, 'sh', '-c', 'for n in net pid ipc uts mnt; do readlink /proc/self/ns/$n; done; hostname; ls /'])).trim().split('\n');
    const host = ['net', 'pid', 'ipc', 'uts', 'mnt'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    assert.deepEqual(inside.slice(0, 4), host.slice(0, 4), 'net, pid, ipc and uts are the host namespaces');
    assert.notEqual(inside[4], host[4], 'a mount namespace of its own');
    assert.equal(inside[5], hostname());
    const root = inside.slice(6).join(' ').split(/\s+/);
    assert.ok(root.includes('bin') && !root.includes('work'), `the image's root: ${root.join(' ')}`);
    // The container's process is visible in the host's PID namespace under its own pid.
    const pid = (await crictl.json(['inspect', ctr])).info.pid as number;
    assert.equal((await crictl.ok(['exec', '-s', ctr, 'cat', `/proc/${pid}/comm`])).trim(), 'sleep');
    await statsStopRemove(pod, ctr);
  });

  test('host: a pod that is not privileged with host namespaces is refused, naming why', async () => {
    for (const [name, o, lacks] of [
      ['host-unpriv', { privileged: false, hostNs: true }, /lacks a privileged security context/],
      ['host-podns', { privileged: true, hostNs: false }, /lacks host network .*host pid .*host ipc/],
    ] as const) {
      const r = await crictl.run(['runp', '--runtime', 'host', writeJson(`${name}.json`, podConfig(name, o))], { timeoutMs: 60_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /FailedPrecondition/);
      assert.match(r.stderr, lacks);
    }
    assert.equal((await crictl.ok(['pods', '-q', '--name', 'host-'])).trim(), '', 'no pod was made');
  });

  test('host: a container that is not privileged is refused in a host pod', async () => {
    const podFile = writeJson('host-priv-pod.json', podConfig('host-priv', { privileged: true, hostNs: true }));
    const pod = (await crictl.ok(['runp', '--runtime', 'host', podFile], { timeoutMs: 60_000 })).trim();
    const r = await crictl.run(['create', pod, writeJson('plain-ctr.json', containerConfig('plain', ['sleep', '1000'])), podFile], { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /FailedPrecondition.*the container must be privileged/s);
    await crictl.ok(['stopp', pod], { timeoutMs: 60_000 });
    await crictl.ok(['rmp', pod], { timeoutMs: 60_000 });
    assert.equal(d.proc.exitCode, null, 'the daemon is still up');
  });
});
