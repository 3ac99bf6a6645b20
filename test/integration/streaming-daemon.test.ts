// Exec, Attach and PortForward through a real daemon: the CRI calls validate and hand out URLs on
// the streaming server; the in-repo SPDY/WebSocket clients (what crictl/kubectl speak) use them
// against containers the daemon runs (pod and container parts, busybox from the test registry).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { TestDaemon, makeDirs, runCli, runSlot } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, imageConfigToml, freePort, type Registry } from '../helpers/registry.js';
import { collect, spdyExec, SpdyPortForward, SpdyRemoteCommand, UpgradeError } from '../helpers/spdy-client.js';
import { wsExec } from '../helpers/ws-client.js';

let reg: Registry;
let d: TestDaemon;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  reg = await startRegistry();
  cleanups.push(() => reg.stop());
  await pushBusybox(reg, 'library/busybox:latest');
  d = await TestDaemon.start({ configToml: `${imageConfigToml(reg, { mirrorFor: ['docker.io'] })}[streaming]\naddress = "127.0.0.1"\ntoken_ttl_seconds = 30\n` });
  cleanups.push(() => d.destroy());
});
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function code(err: unknown): number | undefined {
  return (err as { code?: number } | null)?.code;
}

async function rejectsWith(p: Promise<unknown>, c: GrpcStatus, re?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(code(err), c, String(err));
  if (re) assert.match((err as Error).message, re);
}

test('bad streaming requests are refused with the right code; the daemon stays up', async () => {
  const base = { cmd: ['sh'], tty: false, stdin: false, stdout: true, stderr: true };
  await rejectsWith(d.client.runtime('Exec', { ...base, container_id: 'nope' }), GrpcStatus.NOT_FOUND, /nope/);
  await rejectsWith(d.client.runtime('Exec', { ...base, container_id: 'x', tty: true, stderr: true }), GrpcStatus.INVALID_ARGUMENT, /tty and stderr/);
  await rejectsWith(d.client.runtime('Exec', { ...base, container_id: 'x', stdout: false, stderr: false }), GrpcStatus.INVALID_ARGUMENT, /one of stdin, stdout, or stderr/);
  await rejectsWith(d.client.runtime('Exec', { ...base, container_id: 'x', cmd: [] }), GrpcStatus.INVALID_ARGUMENT, /cmd/);
  await rejectsWith(d.client.runtime('Exec', { ...base, container_id: '' }), GrpcStatus.INVALID_ARGUMENT);
  await rejectsWith(d.client.runtime('Attach', { container_id: 'nope', stdin: true, stdout: true, stderr: false, tty: true }), GrpcStatus.NOT_FOUND);
  await rejectsWith(d.client.runtime('PortForward', { pod_sandbox_id: 'nope', port: [80] }), GrpcStatus.NOT_FOUND);
  await rejectsWith(d.client.runtime('PortForward', { pod_sandbox_id: 'p', port: [70000] }), GrpcStatus.INVALID_ARGUMENT, /port/);
  assert.equal((await d.client.runtime('Version', {})).runtime_name, 'rktlet');
  assert.match(d.stderr, /"url":"http:\/\/127\.0\.0\.1:\d+","msg":"streaming server listening"/);
});

test('a streaming port in use stops start-up with a message naming the key', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as net.AddressInfo).port;
    const dirs = makeDirs();
    writeFileSync(dirs.config, `[network]\nconf_dir = "${dirs.cniConfDir}"\n[streaming]\nport = ${port}\n`);
    const r = await runCli(['serve', '--root', dirs.root, '--run-root', dirs.runRoot, '--socket', dirs.socket, '--config', dirs.config]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /config key "streaming\.port": cannot serve streaming on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    rmSync(dirs.base, { recursive: true, force: true });
  } finally {
    busy.close();
  }
});

// --- The full path: needs the pod and container parts of the daemon. ---

function podConfig(name: string, hostNetwork: boolean) {
  return {
    metadata: { name, uid: `${name}-uid`, namespace: 'streaming', attempt: 0 },
    hostname: name,
    log_directory: `${d.dirs.base}/logs/${name}`,
    linux: { security_context: { namespace_options: { network: hostNetwork ? ('NODE' as const) : ('POD' as const), pid: 'CONTAINER' as const, ipc: 'POD' as const } } },
  };
}

interface Pod {
  id: string;
  config: ReturnType<typeof podConfig>;
}

let podSupport: boolean | undefined;

async function runPod(name: string, hostNetwork = false): Promise<Pod | undefined> {
  const config = podConfig(name, hostNetwork);
  try {
    const r = await d.client.runtime('RunPodSandbox', { config });
    podSupport = true;
    cleanups.push(async () => {
      await d.client.runtime('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id }).catch(() => undefined);
      await d.client.runtime('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id }).catch(() => undefined);
    });
    return { id: r.pod_sandbox_id, config };
  } catch (err) {
    if (code(err) === GrpcStatus.UNIMPLEMENTED) {
      podSupport = false;
      return undefined;
    }
    throw err;
  }
}

async function runContainer(pod: Pod, name: string, command: string[], o: { tty?: boolean; stdin?: boolean; stdinOnce?: boolean } = {}): Promise<string> {
  await d.client.image('PullImage', { image: { image: 'busybox' } });
  const c = await d.client.runtime('CreateContainer', {
    pod_sandbox_id: pod.id,
    config: { metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command, tty: o.tty ?? false, stdin: o.stdin ?? false, stdin_once: o.stdinOnce ?? false, log_path: `${name}.log` },
    sandbox_config: pod.config,
  });
  await d.client.runtime('StartContainer', { container_id: c.container_id });
  return c.container_id;
}

const needsPods = () => (podSupport === false ? 'the daemon has no pod support yet (RunPodSandbox is UNIMPLEMENTED)' : false);

let pod: Pod | undefined;
let ctr = '';

test('exec through the daemon: echo, exit codes, 10 MiB stdin, 20 concurrent, reused token refused', async (t) => {
  pod = await runPod(`strm-${runSlot()}`);
  if (!pod) return t.skip(needsPods() || undefined);
  ctr = await runContainer(pod, 'sleeper', ['sleep', '100000']);
  const url = async (cmd: string[], o: { stdin?: boolean; tty?: boolean } = {}) =>
    (await d.client.runtime('Exec', { container_id: ctr, cmd, stdin: o.stdin ?? false, stdout: true, stderr: !o.tty, tty: o.tty ?? false })).url;

  const u = await url(['echo', 'hello']);
  assert.match(u, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{40,}$/);
  const r = await spdyExec(u);
  assert.equal(r.stdout.toString(), 'hello\n');
  assert.equal(r.exitCode, 0);
  const again = await spdyExec(u).catch((e: unknown) => e);
  assert.equal((again as UpgradeError).statusCode, 404);

  const fail = await spdyExec(await url(['sh', '-c', 'exit 7']));
  assert.equal(fail.exitCode, 7);

  const big = Buffer.alloc(10 * 1024 * 1024, 'abcdefgh');
  const echoed = await spdyExec(await url(['cat'], { stdin: true }), big);
  assert.ok(echoed.stdout.equals(big));

  const urls = await Promise.all(Array.from({ length: 20 }, (_, i) => url(['sh', '-c', `echo ${i}`])));
  const outs = await Promise.all(urls.map((x) => spdyExec(x)));
  outs.forEach((o, i) => assert.equal(o.stdout.toString(), `${i}\n`));

  const ws = await wsExec(await url(['cat'], { stdin: true }), 'ws\n');
  assert.equal(ws.stdout.toString(), 'ws\n');
});

test('exec -it through the daemon: shell, resize, exit code', async (t) => {
  if (!pod || !ctr) return t.skip(needsPods() || 'no container');
  const { url } = await d.client.runtime('Exec', { container_id: ctr, cmd: ['sh'], stdin: true, stdout: true, stderr: false, tty: true });
  const rc = await SpdyRemoteCommand.open(url, { stdin: true, tty: true });
  rc.resize(101, 31);
  await rc.typeUntil('stty size\n', /31 101/);
  rc.stdin!.write('exit 4\n');
  assert.equal((await rc.wait()).exitCode, 4);
});

test('attach through the daemon (stdin_once ends the session with the container)', async (t) => {
  if (!pod) return t.skip(needsPods() || 'no pod');
  const id = await runContainer(pod, 'catter', ['cat'], { stdin: true, stdinOnce: true });
  const { url } = await d.client.runtime('Attach', { container_id: id, stdin: true, stdout: true, stderr: true, tty: false });
  const r = await spdyExec(url, 'attached through the daemon\n');
  assert.equal(r.stdout.toString(), 'attached through the daemon\n');
  assert.equal(r.exitCode, 0);
});

test('port-forward through the daemon to a web server in a pod and in a host-network pod', async (t) => {
  if (!pod) return t.skip(needsPods() || 'no pod');
  await runContainer(pod, 'web', ['sh', '-c', 'mkdir -p /www && echo in-pod > /www/index.html && httpd -f -p 8080 -h /www']);
  const { url } = await d.client.runtime('PortForward', { pod_sandbox_id: pod.id, port: [] });
  const pf = await SpdyPortForward.open(url);
  let body = '';
  for (let i = 0; i < 50 && !/in-pod/.test(body); i++) {
    const c = await pf.connect(8080);
    c.data.write('GET /index.html HTTP/1.0\r\n\r\n');
    body = (await collect(c.data)).toString();
    if (!/in-pod/.test(body)) await sleep(100);
  }
  assert.match(body, /in-pod/);
  await pf.close();

  const hostPod = await runPod(`strm-host-${runSlot()}`, true);
  assert.ok(hostPod);
  const port = await freePort(); // nothing on the host listens there: the pod shares the host's network
  await runContainer(hostPod, 'hostweb', ['sh', '-c', `mkdir -p /www && echo on-host > /www/index.html && httpd -f -p 127.0.0.1:${port} -h /www`]);
  const hf = await SpdyPortForward.open((await d.client.runtime('PortForward', { pod_sandbox_id: hostPod.id, port: [] })).url);
  let hb = '';
  for (let i = 0; i < 50 && !/on-host/.test(hb); i++) {
    const c = await hf.connect(port);
    c.data.write('GET /index.html HTTP/1.0\r\n\r\n');
    hb = (await collect(c.data)).toString();
    if (!/on-host/.test(hb)) await sleep(100);
  }
  assert.match(hb, /on-host/);
  await hf.close();
});
