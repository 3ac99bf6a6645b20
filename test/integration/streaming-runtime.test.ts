// Sessions through the OciRuntime against real parts: busybox containers run by runc (and by conmon for
// attach), reached through the streaming server with the in-repo SPDY client. The containers are
// made here directly (bundle + runc/conmon), so these tests do not depend on the pod and
// container services; streaming-daemon.test.ts covers the CRI path through a daemon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { ContainerStreaming } from '../../src/container/streaming-backend.js';
import { RuntimeSet } from '../../src/oci/runtimes.js';
import { StreamingServer } from '../../src/streaming/server.js';
import type { ContainerRecord } from '../../src/container/types.js';
import type { PodView } from '../../src/container/deps.js';
import { collect, spdyExec, SpdyPortForward, SpdyRemoteCommand } from '../helpers/spdy-client.js';
import { wsExec } from '../helpers/ws-client.js';

const RUNC = '/usr/sbin/runc';
const CONMON = '/usr/bin/conmon';
const APPLETS = ['sh', 'cat', 'echo', 'id', 'stty', 'tty', 'sleep', 'httpd', 'ls', 'ip', 'sha256sum', 'wc', 'true', 'hostname', 'readlink', 'head'];

const base = mkdtempSync(join(tmpdir(), 'rktlet-strm-'));
const runcRoot = join(base, 'runc');
const config = defaultConfig({ root: join(base, 'root'), run_root: join(base, 'run'), runtime: { handlers: { runc: { path: RUNC, root: runcRoot } } } });
const records = new Map<string, ContainerRecord>();
const pods = new Map<string, PodView>();
let server: StreamingServer;
let web: http.Server;
let webPort = 0;
const ids: string[] = [];
const suffix = `${process.pid}`;

function makeBundle(name: string, args: string[], opts: { terminal?: boolean; uid?: number } = {}): string {
  const bundle = join(base, name);
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp', 'etc', 'www']) mkdirSync(join(rootfs, d), { recursive: true });
  execFileSync('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
  for (const a of APPLETS) linkSync(join(rootfs, 'bin', 'busybox'), join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n');
  writeFileSync(join(rootfs, 'www', 'index.html'), `served from ${name}\n`);
  execFileSync(RUNC, ['spec'], { cwd: bundle });
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = opts.terminal ?? false;
  spec.process.args = args;
  spec.process.user = { uid: opts.uid ?? 0, gid: opts.uid ?? 0 };
  spec.process.env = ['PATH=/bin', 'TERM=xterm'];
  spec.root.readonly = false;
  spec.hostname = name;
  spec.linux.cgroupsPath = `/rktlet-strm-${suffix}/${name}`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}

function record(id: string, bundle: string): void {
  records.set(id, {
    meta: { id, runtimeHandler: 'runc', bundle } as ContainerRecord['meta'],
    status: { state: 'running' } as ContainerRecord['status'],
  });
}

function initPid(id: string): number {
  const st = JSON.parse(execFileSync(RUNC, ['--root', runcRoot, 'state', id], { encoding: 'utf8' })) as { pid: number };
  return st.pid;
}

/** A container run by runc alone (exec and port-forward tests). */
function runDetached(id: string, args: string[], opts: { uid?: number } = {}): number {
  const bundle = makeBundle(id, args, opts);
  execFileSync(RUNC, ['--root', runcRoot, 'run', '--detach', '--bundle', bundle, id], { stdio: 'ignore' });
  ids.push(id);
  record(id, bundle);
  return initPid(id);
}

/** A container created by conmon (its attach socket and ctl fifo), then started. */
async function runWithConmon(id: string, args: string[], opts: { terminal?: boolean; stdinOnce?: boolean }): Promise<void> {
  const bundle = makeBundle(id, args, { terminal: opts.terminal });
  const sockets = join(base, 'sockets');
  mkdirSync(sockets, { recursive: true });
  const exits = join(base, 'exits');
  mkdirSync(exits, { recursive: true });
  const argv = ['--api-version', '1', '-b', bundle, '-c', id, '-u', id, '-n', id, '-r', RUNC, '--runtime-arg', '--root', '--runtime-arg', runcRoot,
    '-p', join(bundle, 'pidfile'), '-P', join(bundle, 'conmon.pid'), '-l', join(bundle, 'ctr.log'), '--exit-dir', exits, '--socket-dir-path', sockets,
    '--log-level', 'error', '-i'];
  if (opts.terminal) argv.push('-t');
  if (!opts.stdinOnce) argv.push('--leave-stdin-open');
  const r = spawnSync(CONMON, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  assert.equal(r.status, 0, `conmon: ${r.stderr}`);
  for (let i = 0; i < 200 && !existsSync(join(bundle, 'pidfile')); i++) await sleep(25);
  ids.push(id);
  execFileSync(RUNC, ['--root', runcRoot, 'start', id]);
  record(id, bundle);
}

before(async () => {
  const runtimes = new RuntimeSet(config, silentLogger());
  const backend = new ContainerStreaming({
    runtime: (handler) => runtimes.get(handler),
    containers: {
      getRunning: (id) => {
        const r = records.get(id);
        if (!r) throw new Error(`no container ${id}`);
        return r;
      },
    },
    pods: { get: (id) => pods.get(id) },
  });
  server = await StreamingServer.start({ address: '127.0.0.1', port: 0, tokenTtlMs: 60_000, backend, log: silentLogger() });
  web = http.createServer((req, res) => res.end(`host network ${req.url}`));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as AddressInfo).port;
});

after(async () => {
  await server?.close();
  await new Promise<void>((r) => web?.close(() => r()));
  for (const id of ids) spawnSync(RUNC, ['--root', runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
  spawnSync('sh', ['-c', `for d in /sys/fs/cgroup/*/rktlet-strm-${suffix}; do rmdir "$d"/* "$d" 2>/dev/null; done`], { stdio: 'ignore' });
  rmSync(base, { recursive: true, force: true });
});

function exec(id: string, cmd: string[], o: { stdin?: boolean; tty?: boolean; stderr?: boolean } = {}): Promise<string> {
  return server.register({ kind: 'exec', containerId: id, cmd, stdin: o.stdin ?? false, stdout: true, stderr: o.stderr ?? !o.tty, tty: o.tty ?? false });
}

test('exec runs in the container as its user, in its cgroup and namespaces; exit codes come back', async () => {
  const pid = runDetached(`exec-${suffix}`, ['sleep', '100000'], { uid: 1000 });
  const id = `exec-${suffix}`;
  const echo = await spdyExec(await exec(id, ['echo', 'hello']));
  assert.equal(echo.stdout.toString(), 'hello\n');
  assert.equal(echo.exitCode, 0);

  const who = await spdyExec(await exec(id, ['sh', '-c', 'id -u; hostname; cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup']));
  const [uid, host, ...rest] = who.stdout.toString().split('\n');
  assert.equal(uid, '1000');
  assert.equal(host, id);
  const [mine, init] = rest.join('\n').split('---\n');
  assert.equal(mine, init, 'same cgroups as the container process');
  assert.match(String(mine), new RegExp(`rktlet-strm-${suffix}/${id}`));
  // Same network namespace as the container's init.
  const ns = await spdyExec(await exec(id, ['readlink', '/proc/self/ns/net']));
  assert.equal(ns.stdout.toString().trim(), execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }).trim());

  const fail = await spdyExec(await exec(id, ['sh', '-c', 'echo no >&2; exit 42']));
  assert.equal(fail.exitCode, 42);
  assert.equal(fail.stderr.toString(), 'no\n');

  const missing = await spdyExec(await exec(id, ['/nonexistent']));
  assert.equal((missing.status as { reason?: string }).reason, 'InternalError');
  assert.match(String((missing.status as { message?: string }).message), /exec failed/);
});

test('10 MiB through stdin and back unchanged; 20 concurrent sessions', async () => {
  const id = `exec-${suffix}`;
  const data = randomBytes(10 * 1024 * 1024);
  const r = await spdyExec(await exec(id, ['cat'], { stdin: true }), data);
  assert.equal(r.stdout.length, data.length);
  assert.equal(createHash('sha256').update(r.stdout).digest('hex'), createHash('sha256').update(data).digest('hex'));
  assert.equal(r.exitCode, 0);

  const many = await Promise.all(Array.from({ length: 20 }, async (_, i) => spdyExec(await exec(id, ['sh', '-c', `echo s${i}; exit ${i % 3}`]))));
  many.forEach((m, i) => {
    assert.equal(m.stdout.toString(), `s${i}\n`);
    assert.equal(m.exitCode, i % 3);
  });
});

test('exec -it: a shell on the container terminal, resize honoured, exit status reported', async () => {
  const id = `exec-${suffix}`;
  const rc = await SpdyRemoteCommand.open(await exec(id, ['sh'], { stdin: true, tty: true }), { stdin: true, tty: true });
  rc.resize(90, 33);
  await rc.typeUntil('stty size\n', /33 90/);
  await rc.typeUntil('tty\n', /\/dev\/pts\/\d+/);
  rc.resize(132, 50);
  await rc.typeUntil('stty size\n', /50 132/);
  rc.stdin!.write('exit 3\n');
  const r = await rc.wait();
  assert.equal(r.exitCode, 3);
});

test('a client that goes away takes its exec\'d process with it (plain and TTY)', async () => {
  const running = (tag: string) => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((l) => l.trim() === `sleep ${tag}`);
  for (const tty of [false, true]) {
    const tag = tty ? '4322' : '4321';
    const rc = await SpdyRemoteCommand.open(await exec(`exec-${suffix}`, ['sleep', tag], { stdin: true, tty }), { stdin: true, tty });
    for (let i = 0; i < 200 && !running(tag); i++) await sleep(25);
    assert.ok(running(tag), `sleep ${tag} started`);
    rc.conn.session.destroy();
    for (let i = 0; i < 200 && running(tag); i++) await sleep(25);
    assert.ok(!running(tag), `sleep ${tag} was killed when the client went away`);
  }
});

test('exec over WebSocket (v5, stdin close)', async () => {
  const r = await wsExec(await exec(`exec-${suffix}`, ['cat'], { stdin: true }), 'ws into the container\n');
  assert.equal(r.stdout.toString(), 'ws into the container\n');
  assert.equal(r.exitCode, 0);
});

test('port forward into the pod network namespace (several connections) and on the host for host-network pods', async () => {
  const id = `web-${suffix}`;
  const pid = runDetached(id, ['sh', '-c', 'ip link set lo up 2>/dev/null; httpd -p 8080 -h /www; sleep 100000']);
  // The CNI loopback plugin brings lo up in real pods; runc alone does not.
  spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', 'link', 'set', 'lo', 'up']);
  for (let i = 0; i < 100; i++) {
    if (spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/8080'], { shell: false }).status === 0) break;
    await sleep(50);
  }
  pods.set('pod-net', { id: 'pod-net', ready: true, hostNetwork: false, netnsPath: `/proc/${pid}/ns/net` } as PodView);
  pods.set('pod-host', { id: 'pod-host', ready: true, hostNetwork: true, netnsPath: '' } as PodView);

  const pf = await SpdyPortForward.open(await server.register({ kind: 'portforward', podSandboxId: 'pod-net', ports: [] }));
  const conns = await Promise.all([0, 1, 2, 3].map(() => pf.connect(8080)));
  const bodies = await Promise.all(
    conns.map(async (c) => {
      c.data.write('GET /index.html HTTP/1.0\r\n\r\n');
      return (await collect(c.data)).toString();
    }),
  );
  for (const b of bodies) assert.match(b, new RegExp(`served from ${id}`));
  const closed = await pf.connect(9);
  assert.match(await closed.errorText, /error forwarding port 9 to pod pod-net, uid : .*(refused|Connection)/i);
  await pf.close();

  const host = await SpdyPortForward.open(await server.register({ kind: 'portforward', podSandboxId: 'pod-host', ports: [] }));
  const c = await host.connect(webPort);
  c.data.write('GET /h HTTP/1.0\r\n\r\n');
  assert.match((await collect(c.data)).toString(), /host network \/h$/);
  await host.close();
});

test('attach to a conmon-run container: output, stdin, stdin_once ends it', async () => {
  const id = `att-${suffix}`;
  await runWithConmon(id, ['cat'], { stdinOnce: true });
  const url = await server.register({ kind: 'attach', containerId: id, cmd: [], stdin: true, stdout: true, stderr: true, tty: false });
  const r = await spdyExec(url, 'through conmon\n');
  assert.equal(r.stdout.toString(), 'through conmon\n');
  assert.equal(r.exitCode, 0);
});

test('attach over WebSocket v5: the close channel ends stdin, stdin_once ends the container', async () => {
  const id = `watt-${suffix}`;
  await runWithConmon(id, ['sh', '-c', 'cat; echo bye >&2'], { stdinOnce: true });
  const r = await wsExec(await server.register({ kind: 'attach', containerId: id, cmd: [], stdin: true, stdout: true, stderr: true, tty: false }), 'over ws\n');
  assert.equal(r.stdout.toString(), 'over ws\n');
  assert.equal(r.stderr.toString(), 'bye\n');
  assert.equal(r.exitCode, 0);
});

test('attach with a TTY: resize through conmon\'s ctl fifo', async () => {
  const id = `atty-${suffix}`;
  await runWithConmon(id, ['sh'], { terminal: true });
  const rc = await SpdyRemoteCommand.open(await server.register({ kind: 'attach', containerId: id, cmd: [], stdin: true, stdout: true, stderr: false, tty: true }), { stdin: true, tty: true });
  rc.resize(77, 21);
  await rc.typeUntil('stty size\n', /21 77/);
  rc.conn.session.destroy();
});
