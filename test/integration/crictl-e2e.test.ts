// The real crictl (cri-tools v1.29.0) drives a real daemon through a pod's whole life, and every
// answer is read as an operator reads it: `-o json` field by field, the tables column by column,
// exit codes and error messages. crictl is a client we did not write (client-go's SPDY streams,
// the kubelet's log reader, its own table maths), so it finds what our own client cannot.
// Without the binary (../shared/critest/bin/crictl or $CRICTL) the suite is skipped; under
// CI=true that is a failure.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, imageConfigToml, type Registry } from '../helpers/registry.js';
import { Crictl, findCrictl, forwardedPort, humanSize, parseTable, type Json } from '../helpers/crictl.js';
import { runOnPty } from '../helpers/pty-session.js';
import type { BuiltImage } from '../fixtures/oci-image.js';

const found = findCrictl();
const skip = 'missing' in found ? found.missing : false;

if (skip && process.env.CI === 'true') {
  test('crictl is present in CI', () => assert.fail(`${skip}: CI must run the crictl end-to-end tests`));
}

// --- small readers ---

const HEX64 = /^[0-9a-f]{64}$/;

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const n = (a: string) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

/** An RFC 3339 time crictl printed, as ms since the epoch (ns digits beyond ms dropped). */
function rfc3339Ms(s: string): number {
  assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, `an RFC 3339 UTC time: ${s}`);
  return Date.parse(s);
}

/** An int64-nanoseconds string (crictl's -o json of list calls), as ms. */
function nsMs(s: string): number {
  assert.match(s, /^\d+$/);
  return Number(BigInt(s) / 1_000_000n);
}

function within(ms: number, from: number, to: number, what: string): void {
  // 1 ms of slack each side: crictl's times are cut to ms here, Date.now() is too.
  assert.ok(ms >= from - 1 && ms <= to + 1, `${what} ${new Date(ms).toISOString()} is not within ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}`);
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

// --- the fixture: registry, daemon, crictl config, pod and container configs ---

let reg: Registry;
let image: BuiltImage;
let d: TestDaemon;
let crictl: Crictl;
let ref: string;
let work: string;
let t0: number;
const ids: { pod: string; web: string; sleeper: string; shell: string; talker: string; spinner: string } = { pod: '', web: '', sleeper: '', shell: '', talker: '', spinner: '' };

const POD_NAME = 'crictl-e2e';
const podConfig = () => ({
  metadata: { name: POD_NAME, namespace: 'e2e', uid: 'crictl-e2e-uid', attempt: 1 },
  hostname: 'crictl-e2e',
  log_directory: join(work, 'logs'),
  labels: { app: 'crictl-e2e', 'io.kubernetes.pod.name': POD_NAME },
  annotations: { 'e2e/note': 'hello operator' },
  // As a shareProcessNamespace pod: containers that ask join one PID namespace (the sleeper).
  linux: { security_context: { namespace_options: { network: 0, pid: 0, ipc: 0 } } },
});

function containerConfig(name: string, command: string[], extra: Json = {}): Json {
  return {
    metadata: { name, attempt: 0 },
    image: { image: ref },
    command,
    log_path: `${name}-0.log`,
    labels: { 'io.kubernetes.pod.name': POD_NAME, 'io.kubernetes.container.name': name },
    ...extra,
  };
}

function writeJson(name: string, v: unknown): string {
  const p = join(work, name);
  writeFileSync(p, JSON.stringify(v, null, 2));
  return p;
}

/** crictl create + start from config files, as an operator does; returns the container ID. */
async function createAndStart(file: string, cfg: Json): Promise<string> {
  const id = (await crictl.ok(['create', ids.pod, writeJson(file, cfg), join(work, 'pod.json')])).trim();
  assert.match(id, HEX64);
  assert.equal((await crictl.ok(['start', id])).trim(), id);
  return id;
}

async function inspect(id: string): Promise<Json> {
  return crictl.json(['inspect', id]);
}

async function waitExited(id: string, timeoutMs = 10_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await inspect(id);
    if (s.status.state === 'CONTAINER_EXITED' || Date.now() > until) return s;
    await sleep(100);
  }
}

describe('crictl end to end', { skip }, () => {
  before(async () => {
    reg = await startRegistry();
    image = await pushBusybox(reg, 'library/busybox:latest');
    ref = `${reg.host}/library/busybox:latest`;
    d = await TestDaemon.start({ configToml: imageConfigToml(reg) });
    work = join(d.dirs.base, 'crictl');
    mkdirSync(join(work, 'hostdir'), { recursive: true });
    writeFileSync(join(work, 'hostdir', 'f'), 'from the host\n');
    crictl = new Crictl((found as { path: string }).path, d.dirs.socket, work);
    writeJson('pod.json', podConfig());
    t0 = Date.now();
  });
  after(async () => {
    await d?.destroy().catch(() => undefined);
    await reg?.stop().catch(() => undefined);
  });

  test('version names the runtime and the API', async () => {
    const v = await crictl.ok(['version']);
    assert.deepEqual(Object.fromEntries(lines(v).map((l) => l.split(/:\s+/) as [string, string])), {
      Version: '0.1.0',
      RuntimeName: 'rktlet',
      RuntimeVersion: '0.1.0',
      RuntimeApiVersion: 'v1',
    });
  });

  test('pull, images, inspecti', async () => {
    assert.equal((await crictl.ok(['pull', ref])).trim(), `Image is up to date for ${image.id}`);
    const repo = `${reg.host}/library/busybox`;
    const size = image.layers.reduce((n, l) => n + l.blob.length, 0) + image.config.bytes.length + image.manifest.bytes.length;
    const list = await crictl.json<{ images: Json[] }>(['images']);
    assert.equal(list.images.length, 1);
    const img = list.images[0]!;
    assert.equal(img.id, image.id);
    assert.deepEqual(img.repoTags, [ref]);
    assert.deepEqual(img.repoDigests, [`${repo}@${image.manifest.digest}`]);
    assert.equal(img.size, String(size));
    assert.equal(img.pinned, false);

    const table = parseTable(await crictl.ok(['images']));
    assert.deepEqual(table, [{ IMAGE: repo, TAG: 'latest', 'IMAGE ID': image.id.slice('sha256:'.length, 'sha256:'.length + 13), SIZE: humanSize(size, 3) }]);
    const digests = parseTable(await crictl.ok(['images', '--digests']));
    assert.equal(digests[0]!.DIGEST, image.manifest.digest.slice('sha256:'.length, 'sha256:'.length + 13));
    assert.deepEqual(lines(await crictl.ok(['images', '-q'])), [image.id]);

    const st = await crictl.json(['inspecti', ref]);
    assert.equal(st.status.id, image.id);
    assert.deepEqual(st.status.repoTags, [ref]);
    assert.equal(st.status.size, String(size));
    assert.deepEqual(st.info.imageSpec.config.Cmd, ['sh']);
    assert.equal(st.info.imageSpec.os, 'linux');
    assert.deepEqual(st.info.imageSpec.rootfs.diff_ids, image.layers.map((l) => l.diffId));
  });

  test('runp, pods, inspectp', async () => {
    const out = (await crictl.ok(['runp', join(work, 'pod.json')])).trim();
    assert.match(out, HEX64);
    ids.pod = out;
    const t1 = Date.now();

    const list = await crictl.json<{ items: Json[] }>(['pods']);
    assert.equal(list.items.length, 1);
    const p = list.items[0]!;
    assert.equal(p.id, ids.pod);
    assert.deepEqual(p.metadata, { name: POD_NAME, uid: 'crictl-e2e-uid', namespace: 'e2e', attempt: 1 });
    assert.equal(p.state, 'SANDBOX_READY');
    within(nsMs(p.createdAt), t0, t1, 'pod createdAt');
    assert.deepEqual(p.labels, podConfig().labels);
    assert.deepEqual(p.annotations, podConfig().annotations);
    assert.equal(p.runtimeHandler, 'runc');

    const row = parseTable(await crictl.ok(['pods']));
    assert.equal(row.length, 1);
    assert.deepEqual({ ...row[0], CREATED: undefined }, {
      'POD ID': ids.pod.slice(0, 13),
      CREATED: undefined,
      STATE: 'Ready',
      NAME: POD_NAME,
      NAMESPACE: 'e2e',
      ATTEMPT: '1',
      RUNTIME: 'runc',
    });
    assert.match(row[0]!.CREATED!, /ago$/);
    assert.deepEqual(lines(await crictl.ok(['pods', '-q', '--label', 'app=crictl-e2e', '--state', 'ready'])), [ids.pod]);
    assert.deepEqual(lines(await crictl.ok(['pods', '-q', '--label', 'app=other'])), []);

    const s = await crictl.json(['inspectp', ids.pod]);
    assert.equal(s.status.id, ids.pod);
    assert.deepEqual(s.status.metadata, { attempt: 1, name: POD_NAME, namespace: 'e2e', uid: 'crictl-e2e-uid' });
    assert.equal(s.status.state, 'SANDBOX_READY');
    within(rfc3339Ms(s.status.createdAt), t0, t1, 'inspectp createdAt');
    assert.ok(inCidr(s.status.network.ip, d.dirs.subnet!), `pod IP ${s.status.network.ip} is in the daemon's subnet ${d.dirs.subnet}`);
    assert.deepEqual(s.status.network.additionalIps, []);
    assert.deepEqual(s.status.linux.namespaces.options, { ipc: 'POD', network: 'POD', pid: 'POD', targetId: '', usernsOptions: null });
    assert.deepEqual(s.status.labels, podConfig().labels);
    assert.deepEqual(s.status.annotations, podConfig().annotations);
    assert.equal(s.status.runtimeHandler, 'runc');
    // The verbose info: a shared PID namespace has an infra process, alive; the netns is mounted.
    assert.ok(s.info.pid > 0 && existsSync(`/proc/${s.info.pid}`), `infra pid ${s.info.pid}`);
    assert.ok(existsSync(s.info.netnsPath));
    assert.equal(s.info.hostname, 'crictl-e2e');
    assert.equal(s.info.config.metadata.name, POD_NAME);

    const tbl = await crictl.ok(['inspectp', '-o', 'table', ids.pod]);
    assert.match(tbl, new RegExp(`^IP Addresses: ${s.status.network.ip.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(tbl, /^Status: SANDBOX_READY$/m);
  });

  test('create, start, ps, inspect', async () => {
    const tBefore = Date.now();
    const web = containerConfig('web', ['sh', '-c', 'echo web up; exec nc -ll -p 8080 -e echo hi'], {
      labels: { 'io.kubernetes.pod.name': POD_NAME, tier: 'web' },
      annotations: { 'e2e/who': 'web' },
      envs: [{ key: 'GREETING', value: 'hello' }],
      mounts: [{ container_path: '/data', host_path: join(work, 'hostdir'), readonly: true }],
    });
    ids.web = (await crictl.ok(['create', ids.pod, writeJson('web.json', web), join(work, 'pod.json')])).trim();
    assert.match(ids.web, HEX64);
    const created = await crictl.json<{ containers: Json[] }>(['ps', '-a']);
    assert.deepEqual(created.containers.map((c) => [c.id, c.state]), [[ids.web, 'CONTAINER_CREATED']]);
    assert.deepEqual(await crictl.json(['ps']), { containers: [] }, 'ps without -a lists running containers only');

    assert.equal((await crictl.ok(['start', ids.web])).trim(), ids.web);
    const tStarted = Date.now();
    const ps = await crictl.json<{ containers: Json[] }>(['ps']);
    assert.equal(ps.containers.length, 1);
    const c = ps.containers[0]!;
    assert.equal(c.id, ids.web);
    assert.equal(c.podSandboxId, ids.pod);
    assert.deepEqual(c.metadata, { name: 'web', attempt: 0 });
    assert.equal(c.image.image, ref);
    assert.equal(c.imageRef, `${reg.host}/library/busybox@${image.manifest.digest}`);
    assert.equal(c.state, 'CONTAINER_RUNNING');
    within(nsMs(c.createdAt), tBefore, tStarted, 'ps createdAt');
    assert.deepEqual(c.labels, web.labels);
    assert.deepEqual(c.annotations, web.annotations);

    const row = parseTable(await crictl.ok(['ps', '-a']));
    assert.deepEqual({ ...row[0], CREATED: undefined }, {
      CONTAINER: ids.web.slice(0, 13),
      IMAGE: ref,
      CREATED: undefined,
      STATE: 'Running',
      NAME: 'web',
      ATTEMPT: '0',
      'POD ID': ids.pod.slice(0, 13),
      POD: POD_NAME,
    });
    assert.deepEqual(lines(await crictl.ok(['ps', '-q', '--pod', ids.pod, '--name', '^web$', '--state', 'running'])), [ids.web]);

    const s = await inspect(ids.web);
    assert.equal(s.status.id, ids.web);
    assert.equal(s.status.state, 'CONTAINER_RUNNING');
    const createdAt = rfc3339Ms(s.status.createdAt);
    const startedAt = rfc3339Ms(s.status.startedAt);
    within(createdAt, tBefore, tStarted, 'createdAt');
    within(startedAt, createdAt, tStarted, 'startedAt');
    assert.equal(s.status.finishedAt, '0001-01-01T00:00:00Z', 'a running container has not finished');
    assert.equal(s.status.exitCode, 0);
    assert.equal(s.status.reason, '');
    assert.equal(s.status.image.image, ref);
    assert.equal(s.status.imageRef, c.imageRef);
    assert.equal(s.status.logPath, join(work, 'logs', 'web-0.log'));
    assert.deepEqual(s.status.mounts, [
      { containerPath: '/data', gidMappings: [], hostPath: join(work, 'hostdir'), propagation: 'PROPAGATION_PRIVATE', readonly: true, selinuxRelabel: false, uidMappings: [] },
    ]);
    assert.deepEqual(s.status.labels, web.labels);
    assert.equal(s.info.sandboxID, ids.pod);
    assert.ok(s.info.pid > 0 && existsSync(`/proc/${s.info.pid}`), `container pid ${s.info.pid}`);
    assert.deepEqual(s.info.runtimeSpec.process.args, web.command);
    assert.ok(s.info.runtimeSpec.process.env.includes('GREETING=hello'));

    const tbl = await crictl.ok(['inspect', '-o', 'table', ids.web]);
    assert.match(tbl, /^Name: web$/m);
    assert.match(tbl, /^State: CONTAINER_RUNNING$/m);
  });

  test('exec -s and exec: stdout, stderr, stdin and exit codes', async () => {
    // -s (ExecSync) prints stdout then stderr, each with a newline after it.
    assert.equal(await crictl.ok(['exec', '-s', ids.web, 'sh', '-c', 'echo $((6*7)) $GREETING; cat /data/f; ip -4 -o addr show eth0 | grep -c inet']), '42 hello\nfrom the host\n1\n\n\n');
    const bad = await crictl.run(['exec', '-s', ids.web, 'sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /exited with 3: oops/);

    // Streaming exec (SPDY): separate stdout/stderr, the exit code, stdin.
    const r = await crictl.run(['exec', ids.web, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
    assert.match(r.stderr, /command terminated with exit code 7/);
    const input = 'line one\nline two\n'.repeat(1000);
    const cat = await crictl.run(['exec', '-i', ids.web, 'sh', '-c', 'wc -l; echo done'], { input });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, '2000\ndone\n');
    // The pod IP the status reported is the one eth0 holds.
    const ip = (await crictl.json(['inspectp', ids.pod])).status.network.ip as string;
    assert.match(await crictl.ok(['exec', ids.web, 'ip', '-4', '-o', 'addr', 'show', 'eth0']), new RegExp(` inet ${ip.replace(/\./g, '\\.')}/`));
  });

  test('exec -it on a terminal: its size, the tty, output and exit code', async () => {
    const r = await runOnPty(
      [crictl.bin, '--config', crictl.config, 'exec', '-it', ids.web, 'sh'],
      [{ expect: '# ' }, { send: 'stty size; tty; echo $((6*7))x; exit 5\r' }],
      { rows: 33, cols: 111, timeoutMs: 15_000 },
    );
    assert.equal(r.missing, undefined, r.output);
    assert.equal(r.timedOut, false, r.output);
    assert.match(r.output, /\r\n33 111\r\n/, 'the terminal size reached the container');
    assert.match(r.output, /\r\n\/dev\/pts\/\d+\r\n/);
    assert.match(r.output, /\r\n42x\r\n/);
    assert.match(r.output, /command terminated with exit code 5/);
    assert.equal(r.code, 1);
  });

  test('attach to a container started with stdin and a tty', async () => {
    ids.shell = await createAndStart('shell.json', containerConfig('shell', ['sh'], { stdin: true, tty: true }));
    const r = await runOnPty(
      [crictl.bin, '--config', crictl.config, 'attach', '-it', ids.shell],
      [{ send: '\r' }, { expect: '# ' }, { send: 'echo $((6*7))y; exit 4\r' }],
      { timeoutMs: 15_000 },
    );
    assert.equal(r.missing, undefined, r.output);
    assert.equal(r.timedOut, false, r.output);
    assert.match(r.output, /\r\n42y\r\n/);
    assert.equal(r.code, 0);
    const s = await waitExited(ids.shell);
    assert.equal(s.status.state, 'CONTAINER_EXITED');
    assert.equal(s.status.exitCode, 4);
    assert.equal(s.status.reason, 'Error');
    // A tty container's log is its terminal.
    assert.match(await crictl.ok(['logs', ids.shell]), /42y/);
  });

  test('logs -f follows until the container exits; --timestamps, --tail', async () => {
    const tBefore = Date.now();
    ids.talker = await createAndStart('talker.json', containerConfig('talker', ['sh', '-c', 'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.3; done; exit 2']));
    const f = await crictl.run(['logs', '-f', ids.talker], { timeoutMs: 20_000 });
    const tDone = Date.now();
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.stdout, 'out1\nout2\nout3\n');
    assert.equal(f.stderr, 'err1\nerr2\nerr3\n');
    const s = await inspect(ids.talker);
    assert.equal(s.status.state, 'CONTAINER_EXITED', 'follow ended because the container exited');
    assert.equal(s.status.exitCode, 2);
    assert.equal(s.status.reason, 'Error');
    const startedAt = rfc3339Ms(s.status.startedAt);
    const finishedAt = rfc3339Ms(s.status.finishedAt);
    within(startedAt, tBefore, tDone, 'startedAt');
    within(finishedAt, startedAt + 800, tDone, 'finishedAt (3 × 0.3 s after the start)');
    // crictl checks the state every 5 s at most once the log stops growing.
    assert.ok(tDone - finishedAt < 7000, `logs -f ended ${tDone - finishedAt} ms after the exit`);

    const ts = await crictl.run(['logs', '--timestamps', ids.talker]);
    const stamped = lines(ts.stdout).map((l) => /^(\S+) (out\d)$/.exec(l));
    assert.deepEqual(stamped.map((m) => m?.[2]), ['out1', 'out2', 'out3'], ts.stdout);
    const times = stamped.map((m) => rfc3339Ms(m![1]!));
    for (const t of times) within(t, startedAt, finishedAt, 'log line time');
    assert.ok(times[2]! - times[0]! >= 500, 'lines 0.3 s apart');
    const tail = await crictl.run(['logs', '--tail', '2', ids.talker]);
    assert.deepEqual([tail.stdout, tail.stderr], ['out3\n', 'err3\n'], 'the last two lines of the log, each on its stream');
    assert.equal(await crictl.ok(['logs', ids.web]), 'web up\n');
  });

  test('port-forward to a port the container listens on', async () => {
    const pf = crictl.start(['port-forward', ids.pod, '0:8080']);
    try {
      const { port, output } = await forwardedPort(pf, 8080, 10_000);
      for (let i = 0; i < 2; i++) {
        const got = await new Promise<string>((resolve, reject) => {
          const sock = net.connect(port, '127.0.0.1');
          let data = '';
          sock.setTimeout(5000, () => sock.destroy(new Error('read timed out')));
          sock.on('data', (b: Buffer) => (data += b.toString()));
          sock.on('end', () => resolve(data));
          sock.on('error', reject);
        });
        assert.equal(got, 'hi\n', `connection ${i + 1}`);
      }
      assert.match(output(), new RegExp(`Handling connection for ${port}`));
    } finally {
      pf.kill('SIGKILL');
    }
  });

  test('stats and statsp: CPU, memory, disk and inodes of the right ids', async () => {
    // A container held to 20% of a CPU, spinning: crictl's CPU % must show it.
    ids.spinner = await createAndStart(
      'spinner.json',
      containerConfig('spinner', ['sh', '-c', 'while :; do :; done'], { linux: { resources: { cpu_period: 100000, cpu_quota: 20000 } } }),
    );
    await sleep(300);
    const [sj, pj, st, pt] = await Promise.all([
      crictl.json<{ stats: Json[] }>(['stats']),
      crictl.json<{ stats: Json[] }>(['statsp']),
      crictl.ok(['stats']),
      crictl.ok(['statsp']),
    ]);
    assert.deepEqual(sj.stats.map((s) => s.attributes.id).sort(), [ids.spinner, ids.web].sort(), 'stats lists the running containers');
    for (const s of sj.stats) {
      const name = s.attributes.id === ids.web ? 'web' : 'spinner';
      assert.deepEqual(s.attributes.metadata, { name, attempt: 0 });
      assert.ok(Number(s.cpu.usageCoreNanoSeconds.value) > 0, `${name} cpu`);
      assert.ok(Number(s.memory.workingSetBytes.value) > 0, `${name} memory`);
      assert.ok(Number(s.writableLayer.usedBytes.value) > 0, `${name} disk`);
      assert.ok(Number(s.writableLayer.inodesUsed.value) > 0, `${name} inodes`);
      assert.equal(s.writableLayer.fsId.mountpoint, join(d.dirs.root, 'snapshots', 'active'));
    }
    const rows = parseTable(st);
    assert.deepEqual(rows.map((r) => r.NAME).sort(), ['spinner', 'web']);
    for (const r of rows) {
      assert.equal(r.CONTAINER, (r.NAME === 'web' ? ids.web : ids.spinner).slice(0, 13));
      assert.match(r.MEM!, /^\d+(\.\d+)?[kMG]?B$/);
      assert.match(r.DISK!, /^\d+(\.\d+)?[kMG]?B$/);
      assert.match(r.INODES!, /^[1-9]\d*$/);
    }
    const spinCpu = Number(rows.find((r) => r.NAME === 'spinner')!['CPU %']);
    assert.ok(spinCpu > 2 && spinCpu < 26, `spinner CPU ${spinCpu}% (quota 20%)`);
    assert.ok(Number(rows.find((r) => r.NAME === 'web')!['CPU %']) < 5, 'an idle nc');

    assert.equal(pj.stats.length, 1);
    const ps = pj.stats[0]!;
    assert.equal(ps.attributes.id, ids.pod);
    assert.deepEqual(ps.attributes.metadata, { name: POD_NAME, uid: 'crictl-e2e-uid', namespace: 'e2e', attempt: 1 });
    assert.ok(Number(ps.linux.cpu.usageCoreNanoSeconds.value) > 0);
    assert.ok(Number(ps.linux.memory.workingSetBytes.value) > 0);
    assert.equal(ps.linux.network.defaultInterface.name, 'eth0');
    assert.ok(Number(ps.linux.process.processCount.value) >= 3, 'infra, nc and the spinner');
    assert.deepEqual(ps.linux.containers.map((c: Json) => c.attributes.id).sort(), [ids.spinner, ids.web].sort());
    const prow = parseTable(pt);
    assert.equal(prow.length, 1);
    assert.equal(prow[0]!.POD, POD_NAME);
    assert.equal(prow[0]!['POD ID'], ids.pod.slice(0, 13));
    assert.ok(Number(prow[0]!['CPU %']) > 2, `pod CPU ${prow[0]!['CPU %']}%`);
    assert.match(prow[0]!.MEM!, /^\d+(\.\d+)?[kMG]?B$/);
    await crictl.ok(['stop', '--timeout', '0', ids.spinner]);
  });

  test('stop: SIGKILL after the timeout (137), SIGTERM when it is enough (143); rm', async () => {
    // web's nc is PID 1 of its own PID namespace: SIGTERM does nothing, the kill comes after 1 s.
    const w = await crictl.run(['stop', '--timeout', '1', ids.web]);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.stdout.trim(), ids.web);
    assert.ok(w.ms >= 1000, `stop waited the timeout (${w.ms} ms)`);
    // The sleeper shares the pod's PID namespace (the infra is PID 1): SIGTERM ends it at once.
    ids.sleeper = await createAndStart('sleeper.json', containerConfig('sleeper', ['sleep', '1000'], { linux: { security_context: { namespace_options: { pid: 0 } } } }));
    const sl = await crictl.run(['stop', '--timeout', '20', ids.sleeper]);
    assert.equal(sl.code, 0, sl.stderr);
    assert.ok(sl.ms < 10_000, `SIGTERM was enough (${sl.ms} ms)`);
    for (const [id, code] of [[ids.web, 137], [ids.sleeper, 143]] as const) {
      const s = await inspect(id);
      assert.equal(s.status.state, 'CONTAINER_EXITED');
      assert.equal(s.status.exitCode, code);
      assert.equal(s.status.reason, 'Error');
      const finishedAt = rfc3339Ms(s.status.finishedAt);
      within(finishedAt, rfc3339Ms(s.status.startedAt), Date.now(), 'finishedAt');
      assert.equal(s.info.pid, 0);
    }
    const rows = parseTable(await crictl.ok(['ps', '-a']));
    assert.deepEqual(rows.filter((r) => r.NAME === 'web' || r.NAME === 'sleeper').map((r) => r.STATE), ['Exited', 'Exited']);

    assert.deepEqual(lines(await crictl.ok(['rm', ids.web, ids.sleeper])), [ids.web, ids.sleeper]);
    const left = (await crictl.json<{ containers: Json[] }>(['ps', '-a'])).containers.map((c) => c.id);
    assert.ok(!left.includes(ids.web) && !left.includes(ids.sleeper), 'removed containers are gone');
    assert.ok(left.includes(ids.talker), 'the others stay');
  });

  test('a bad input: an error message and exit code, and the daemon stays up', async () => {
    const r = await crictl.run(['inspect', 'no-such-container']);
    assert.equal(r.code, 1);
    // logrus quotes the message: msg="… \"no-such-container\" …"
    assert.match(r.stderr, /level=fatal msg="getting the status of the container \\"no-such-container\\": rpc error: code = NotFound desc = container \\"no-such-container\\" not found"/);
    assert.equal(r.stdout, '');
    // Stop of a pod that is not there is OK (the CRI's idempotence, as containerd): the kubelet retries on it.
    const p = await crictl.run(['stopp', 'no-such-pod']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim(), 'Stopped sandbox no-such-pod');
    const ip = await crictl.run(['inspectp', 'no-such-pod']);
    assert.equal(ip.code, 1);
    assert.match(ip.stderr, /code = NotFound desc = pod sandbox \\"no-such-pod\\" not found/);
    // A pull of an image the registry lacks names the place that said so (plain HTTP here).
    const pull = await crictl.run(['pull', `${reg.host}/library/nope:latest`]);
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, new RegExp(`code = NotFound desc = image ${reg.host}/library/nope:latest not found at http://${reg.host}"`));
    assert.equal(d.proc.exitCode, null);
    assert.match(await crictl.ok(['version']), /RuntimeName:\s+rktlet/);
    assert.equal((await crictl.json(['inspectp', ids.pod])).status.state, 'SANDBOX_READY');
  });

  test('stopp, rmp, rmi: the pod goes NOTREADY without an IP, then everything is gone', async () => {
    const before = await crictl.json(['inspectp', ids.pod]);
    assert.equal((await crictl.ok(['stopp', ids.pod])).trim(), `Stopped sandbox ${ids.pod}`);
    const s = await crictl.json(['inspectp', ids.pod]);
    assert.equal(s.status.state, 'SANDBOX_NOTREADY');
    // CNI DEL gave the address back to IPAM: a stopped pod holds no IP (as containerd reports).
    assert.equal(s.status.network.ip, '', `a stopped pod still reports ${s.status.network.ip}`);
    assert.equal(s.status.createdAt, before.status.createdAt);
    assert.equal(parseTable(await crictl.ok(['pods']))[0]!.STATE, 'NotReady');
    const states = (await crictl.json<{ containers: Json[] }>(['ps', '-a'])).containers.map((c) => c.state);
    assert.ok(states.length > 0 && states.every((st) => st === 'CONTAINER_EXITED'), states.join());

    assert.equal((await crictl.ok(['rmp', ids.pod])).trim(), `Removed sandbox ${ids.pod}`);
    assert.deepEqual(await crictl.json(['pods']), { items: [] });
    assert.deepEqual(await crictl.json(['ps', '-a']), { containers: [] });
    assert.ok(!existsSync(join(d.dirs.root, 'pods', ids.pod)));
    // The log files stay: they are the kubelet's (its log directory), not the runtime's.
    assert.match(readFileSync(join(work, 'logs', 'talker-0.log'), 'utf8'), / stdout F out1\n/);

    assert.deepEqual(lines(await crictl.ok(['rmi', ref])), [`Deleted: ${ref}`]);
    assert.deepEqual(await crictl.json(['images']), { images: [] });
    assert.deepEqual(parseTable(await crictl.ok(['images'])), []);
    const gone = await crictl.run(['inspecti', ref]);
    assert.notEqual(gone.code, 0);
  });
});
