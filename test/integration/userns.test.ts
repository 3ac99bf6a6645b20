// User namespaces through the gRPC socket (issue 18, part 2): a pod asking for userns_options mode
// POD with the kubelet's mappings runs busybox as the mapped ids on the host, root inside, with the
// image's files owned by their own ids (idmapped layers); exec, attach, logs, stats and port-forward work, volumes are idmapped; Status reports the
// feature for the handlers whose probe proved it; what cannot work is refused with a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { containerEnv, createContainer, grpcError, readLog, status, waitExited, type ContainerEnv } from '../helpers/container-env.js';
import { TestDaemon } from '../helpers/daemon.js';
import { collect, SpdyPortForward, SpdyRemoteCommand } from '../helpers/spdy-client.js';
import { setTimeout as sleep } from 'node:timers/promises';

const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;

let env: ContainerEnv;
// A host range of this run's own (the kubelet hands out multiples of 65536 above 65536).
const HOST_ID = 65536 * (2000 + (process.pid % 20000));
const mapping = [{ host_id: HOST_ID, container_id: 0, length: 65536 }];
// As the kubelet sends it: every mode said (an unsaid enum is POD on the wire).
const usernsOptions = { mode: 'POD' as const, uids: mapping, gids: mapping };
const userns = { namespace_options: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const, userns_options: usernsOptions } };

// crun as this host needs it (hide_unified_cgroup: its hybrid cgroup v1 workaround), runc as shipped,
// and a handler whose runtime is missing: its probe cannot prove anything.
const handlersToml = [
  '[runtime.handlers.crun]',
  'path = "/usr/bin/crun"',
  'hide_unified_cgroup = true',
  '[runtime.handlers.runc]',
  'path = "/usr/sbin/runc"',
  '[runtime.handlers.missing]',
  'path = "/nonexistent/crun"',
  '',
].join('\n');

before(async () => {
  env = await containerEnv({ daemon: { configToml: handlersToml } });
});

after(async () => {
  await env?.close();
});

let pods = 0;
async function usernsPod(handler: string, extra: Record<string, unknown> = {}): Promise<string> {
  const name = `u${++pods}-${process.pid}`;
  const r = await env.d.client.runtime('RunPodSandbox', {
    config: { metadata: { name, namespace: 'userns', uid: `uid-${name}`, attempt: 0 }, log_directory: join(env.logRoot, name), hostname: name, linux: { security_context: userns }, ...extra },
    runtime_handler: handler,
  });
  return r.pod_sandbox_id;
}

function hostUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

test('Status: user_namespaces true for the handlers whose probe ran a container in a user namespace', async () => {
  const s = await env.d.client.runtime('Status', {});
  const byName = Object.fromEntries(s.runtime_handlers.map((h) => [h.name, h.features?.user_namespaces]));
  assert.equal(byName.crun, true);
  // rktlet makes the idmapped mounts itself (runc 1.1.5 has none), but runc joins the user namespace
  // before the pod's network namespace, which belongs to the host's: the kernel refuses (EPERM).
  assert.equal(byName.runc, false);
  assert.equal(byName.missing, false);
});

for (const handler of ['crun']) {
  test(`${handler}: a userns pod runs busybox as the mapped ids, root inside, image files owned by 0:0; exec, logs, stats and port-forward work`, async () => {
    const podId = await usernsPod(handler);
    const script = 'id; stat -c %u:%g /bin/busybox /; cat /proc/self/uid_map; hostname; touch /made && stat -c %u /made; ls /sys/class/net | sort | tr "\\n" " "; echo; exec sleep 300';
    const { id } = await createContainer(env, podId, { command: ['sh', '-c', script], linux: { security_context: userns } });
    await env.d.client.runtime('StartContainer', { container_id: id });
    const pid = (JSON.parse((await status(env, id, true)).info.info!) as { pid: number }).pid;
    assert.ok(pid > 0, 'the container has a process');
    assert.equal(hostUid(pid), HOST_ID, 'the container root is the mapped id on the host');
    // The pod's root alone may pass the state dirs to its root filesystem (an ACL entry), not
    // every host user: nobody cannot even stat it, by the path mountinfo shows to anyone.
    const rootfs = join(env.d.dirs.root, 'snapshots', 'active', id, 'rootfs');
    assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${rootfs} `), `the root filesystem is mounted at ${rootfs}`);
    assert.equal(statAs('nobody', 'nogroup', rootfs), 1, 'nobody cannot reach the root filesystem');
    assert.equal(statAs(String(HOST_ID), String(HOST_ID), rootfs), 0, "the pod's root can");
    assert.equal(statSync(join(env.d.dirs.root, 'snapshots')).mode & 0o001, 0, 'no search bit for others on the state dirs');
    const ex = await env.d.client.runtime('ExecSync', { container_id: id, cmd: ['sh', '-c', 'id -u; stat -c %u:%g /bin/busybox; ps -o user,comm | grep sleep'], timeout: '20' });
    assert.equal(ex.exit_code, 0, ex.stderr.toString());
    assert.match(ex.stdout.toString(), /^0\n0:0\nroot +sleep/);
    const stats = (await env.d.client.runtime('ContainerStats', { container_id: id })).stats;
    assert.ok(Number(stats?.memory?.working_set_bytes?.value ?? 0) > 0, 'stats read the container cgroup');
    // Port-forward reaches a server the pod's root runs (the pod's network namespace, through the daemon).
    const web = await createContainer(env, podId, { command: ['sh', '-c', 'mkdir -p /www && echo served-in-userns > /www/index.html && exec httpd -f -p 8080 -h /www'], linux: { security_context: userns } });
    await env.d.client.runtime('StartContainer', { container_id: web.id });
    const pf = await SpdyPortForward.open((await env.d.client.runtime('PortForward', { pod_sandbox_id: podId, port: [] })).url);
    let body = '';
    for (let i = 0; i < 50 && !/served-in-userns/.test(body); i++) {
      const c = await pf.connect(8080);
      c.data.write('GET /index.html HTTP/1.0\r\n\r\n');
      body = (await collect(c.data)).toString();
      if (!/served-in-userns/.test(body)) await sleep(100);
    }
    await pf.close();
    assert.match(body, /served-in-userns/);
    await env.d.client.runtime('StopContainer', { container_id: id, timeout: '0' });
    const ended = await waitExited(env, id);
    const out = readLog(ended.log_path).map((l) => l.text);
    assert.match(out[0]!, /^uid=0\(root\) gid=0\(root\)/);
    assert.deepEqual(out.slice(1, 3), ['0:0', '0:0']);
    assert.match(out[3]!, new RegExp(`^\\s*0\\s+${HOST_ID}\\s+65536$`));
    assert.equal(out[4], `u${pods}-${process.pid}`);
    assert.equal(out[5], '0', 'files the pod root writes are its own inside');
    assert.match(out[6]!, /eth0/, 'the pod network is there');
  });
}

test('crun: a volume (host bind mount) is idmapped with the pod mappings: host root files are root inside, not nobody; what root writes is host root', async () => {
  const vol = mkdtempSync(join(tmpdir(), 'userns-vol-'));
  try {
    chmodSync(vol, 0o755);
    writeFileSync(join(vol, 'rootfile'), 'x');
    writeFileSync(join(vol, 'userfile'), 'y');
    chownSync(join(vol, 'userfile'), 1000, 1000);
    const podId = await usernsPod('crun');
    const { id } = await createContainer(env, podId, { command: ['sleep', '300'], mounts: [{ container_path: '/vol', host_path: vol, readonly: false }], linux: { security_context: userns } });
    await env.d.client.runtime('StartContainer', { container_id: id });
    const ex = await env.d.client.runtime('ExecSync', { container_id: id, cmd: ['sh', '-c', 'stat -c %u:%g /vol /vol/rootfile /vol/userfile && touch /vol/made'], timeout: '20' });
    assert.equal(ex.exit_code, 0, ex.stderr.toString());
    assert.equal(ex.stdout.toString(), '0:0\n0:0\n1000:1000\n');
    const made = statSync(join(vol, 'made'));
    assert.deepEqual([made.uid, made.gid], [0, 0], "the pod's root writes as host root through the idmapped volume");
    await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: podId });
    await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: podId });
  } finally {
    rmSync(vol, { recursive: true, force: true });
  }
});

test('crun: root in a userns pod serves on port 80 (the pod gets ip_unprivileged_port_start=0, as containerd 2 does), reached at the pod IP', async () => {
  // The pod's network namespace belongs to the host's user namespace: root in the pod holds no
  // capability over it, so without the sysctl a web server's bind to port 80 fails with EACCES
  // (nginx: "bind() to 0.0.0.0:80 failed (13: Permission denied)").
  const podId = await usernsPod('crun');
  const { id } = await createContainer(env, podId, { command: ['sh', '-c', 'mkdir -p /www && echo userns-web > /www/index.html && exec httpd -f -p 80 -h /www'], linux: { security_context: userns } });
  await env.d.client.runtime('StartContainer', { container_id: id });
  const ip = (await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: podId })).status!.network!.ip;
  let body = '';
  for (let i = 0; i < 100 && !body.includes('userns-web'); i++) {
    body = spawnSync('curl', ['-s', '-m', '2', `http://${ip}:80/`], { encoding: 'utf8' }).stdout;
    if (!body.includes('userns-web')) await sleep(100);
  }
  const st = (await status(env, id)).status!;
  assert.equal(body.trim(), 'userns-web', `httpd answered on the pod IP (state ${st.state}, exit ${st.exit_code}: ${readLog(st.log_path).map((l) => l.text).join(' | ')})`);
  const ex = await env.d.client.runtime('ExecSync', { container_id: id, cmd: ['sh', '-c', 'id -u; cat /proc/sys/net/ipv4/ip_unprivileged_port_start'], timeout: '20' });
  assert.equal(ex.stdout.toString(), '0\n0\n');
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: podId });
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: podId });
});

test('crun: attach to a container of a userns pod: stdin reaches it, its stdout comes back', async () => {
  const podId = await usernsPod('crun');
  const { id } = await createContainer(env, podId, { command: ['sh', '-c', 'read l; echo "got:$l uid=$(id -u)"; exec sleep 300'], stdin: true, linux: { security_context: userns } });
  await env.d.client.runtime('StartContainer', { container_id: id });
  const url = (await env.d.client.runtime('Attach', { container_id: id, stdin: true, stdout: true, stderr: true, tty: false })).url;
  const rc = await SpdyRemoteCommand.open(url, { stdin: true });
  let seen = '';
  rc.stdout?.on('data', (b: Buffer) => (seen += b.toString()));
  rc.stdin?.write('hello\n');
  for (let i = 0; i < 200 && !/got:hello/.test(seen); i++) await sleep(50);
  void rc.conn.session.close();
  assert.match(seen, /got:hello uid=0/);
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: podId });
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: podId });
});

test('the pod keeps its user namespace across a daemon restart; PodSandboxStatus echoes the mappings', async () => {
  const podId = await usernsPod('crun');
  const ps = await env.d.client.runtime('PodSandboxStatus', { pod_sandbox_id: podId });
  assert.deepEqual(ps.status?.linux?.namespaces?.options?.userns_options, { mode: 'POD', uids: mapping, gids: mapping });
  await env.d.stop();
  env.d = await TestDaemon.start({ dirs: env.d.dirs });
  const { id } = await createContainer(env, podId, { command: ['sh', '-c', 'stat -c %u:%g /bin/busybox; exec sleep 300'], linux: { security_context: userns } });
  await env.d.client.runtime('StartContainer', { container_id: id });
  const pid = (JSON.parse((await status(env, id, true)).info.info!) as { pid: number }).pid;
  assert.equal(hostUid(pid), HOST_ID);
  const ex = await env.d.client.runtime('ExecSync', { container_id: id, cmd: ['stat', '-c', '%u:%g', '/bin/busybox'], timeout: '20' });
  assert.equal(ex.stdout.toString(), '0:0\n');
  await env.d.client.runtime('StopPodSandbox', { pod_sandbox_id: podId });
  await env.d.client.runtime('RemovePodSandbox', { pod_sandbox_id: podId });
  const left = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(podId));
  assert.deepEqual(left, [], 'the pinned user namespace and the idmapped root filesystem are unmounted');
});

test('runc: a userns pod is refused with FAILED_PRECONDITION naming why; nothing is left', async () => {
  const before = (await env.d.client.runtime('ListPodSandbox', {})).items.length;
  const e = await grpcError(usernsPod('runc'));
  assert.equal(e?.code, FAILED_PRECONDITION);
  assert.match(e!.details, /user namespaces \(userns_options mode POD\) do not work with runtime handler runc on this host: runc cannot run a container in a pod's user namespace: .*setns into net namespace: Operation not permitted/);
  assert.equal((await env.d.client.runtime('ListPodSandbox', {})).items.length, before);
});

test('refused with a message: a handler without user namespaces, a container in a host-userns pod, bad mappings, host network', async () => {
  const missing = await grpcError(usernsPod('missing'));
  assert.equal(missing?.code, FAILED_PRECONDITION);
  assert.match(missing!.details, /user namespaces .* do not work with runtime handler missing/);
  const hostPod = (await env.d.client.runtime('RunPodSandbox', { config: { metadata: { name: `plain-${process.pid}`, namespace: 'userns', uid: `plain-${process.pid}`, attempt: 0 }, log_directory: join(env.logRoot, 'plain') }, runtime_handler: 'crun' })).pod_sandbox_id;
  const ctr = await grpcError(createContainer(env, hostPod, { command: ['true'], linux: { security_context: userns } }));
  assert.equal(ctr?.code, FAILED_PRECONDITION);
  assert.match(ctr!.details, /its pod sandbox runs in the host's/);
  const noMaps = await grpcError(usernsPod('crun', { linux: { security_context: { namespace_options: { ...userns.namespace_options, userns_options: { mode: 'POD' as const, uids: [], gids: [] } } } } }));
  assert.equal(noMaps?.code, INVALID_ARGUMENT);
  const hostNet = await grpcError(usernsPod('crun', { linux: { security_context: { namespace_options: { ...userns.namespace_options, network: 'NODE' as const } } } }));
  assert.equal(hostNet?.code, INVALID_ARGUMENT);
  const privileged = await grpcError(usernsPod('crun', { linux: { security_context: { ...userns, privileged: true } } }));
  assert.equal(privileged?.code, INVALID_ARGUMENT);
  assert.match(privileged!.details, /privileged/);
});

/** 0 when `user` can stat `path`, 1 when it cannot (setpriv: no supplementary groups). */
function statAs(user: string, group: string, path: string): number {
  const r = spawnSync('setpriv', [`--reuid=${user}`, `--regid=${group}`, '--clear-groups', '--', 'stat', path], { encoding: 'utf8' });
  return r.status ?? 2;
}
