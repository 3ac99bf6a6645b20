// Streaming robustness through a real daemon (issue 17 item 6): URLs survive a daemon restart
// between Exec and the upgrade; a client that disconnects mid-stream or never reads costs nothing
// beyond its own session (daemon RSS, fds and child processes measured); hostile SPDY and WebSocket
// sessions (seeded, FUZZ_SEED replays) leave the server answering the next valid session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDaemon, runSlot } from '../helpers/daemon.js';
import { startRegistry, pushBusybox, imageConfigToml, type Registry } from '../helpers/registry.js';
import { spdyExec, SpdyRemoteCommand, UpgradeError, SpdyPortForward } from '../helpers/spdy-client.js';
import { wsExec, wsConnect } from '../helpers/ws-client.js';
import { bombBlock, fuzzSeed, PeerCompressor, randomChunks, randomFrame, randomWsFrame, Rng } from '../helpers/fuzz.js';
import { encodeFrame } from '../../src/streaming/spdy-frames.js';

let reg: Registry;
let d: TestDaemon;
let podId = '';
let podConfig: object = {};
let ctr = '';
const seed = fuzzSeed('live streaming fuzz');

before(async () => {
  reg = await startRegistry();
  await pushBusybox(reg, 'library/busybox:latest');
  d = await TestDaemon.start({ configToml: `${imageConfigToml(reg, { mirrorFor: ['docker.io'] })}[streaming]\naddress = "127.0.0.1"\ntoken_ttl_seconds = 120\n` });
  const name = `strm-rob-${runSlot()}`;
  const config = {
    metadata: { name, uid: `${name}-uid`, namespace: 'streaming', attempt: 0 },
    hostname: name,
    log_directory: `${d.dirs.base}/logs/${name}`,
    linux: { security_context: { namespace_options: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const } } },
  };
  podConfig = config;
  podId = (await d.client.runtime('RunPodSandbox', { config })).pod_sandbox_id;
  await d.client.image('PullImage', { image: { image: 'busybox' } });
  const c = await d.client.runtime('CreateContainer', {
    pod_sandbox_id: podId,
    config: { metadata: { name: 'sleeper', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '100000'], log_path: 'sleeper.log' },
    sandbox_config: config,
  });
  ctr = c.container_id;
  await d.client.runtime('StartContainer', { container_id: ctr });
});
after(async () => {
  await d?.destroy().catch(() => undefined);
  await reg?.stop().catch(() => undefined);
});

const execUrl = async (cmd: string[], o: { stdin?: boolean } = {}) =>
  (await d.client.runtime('Exec', { container_id: ctr, cmd, stdin: o.stdin ?? false, stdout: true, stderr: true, tty: false })).url;

const pid = () => d.proc.pid!;
function rssMiB(p = pid()): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024;
}
const fdCount = (p = pid()) => readdirSync(`/proc/${p}/fd`).length;
/** The daemon's descendants (runc exec, relays, nsenter), not counting its long-lived command helper. */
function descendants(root = pid()): string[] {
  const kids = new Map<number, number[]>();
  const cmd = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
      cmd.set(Number(e), readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      // gone meanwhile
    }
  }
  const out: string[] = [];
  const walk = (p: number) => {
    for (const k of kids.get(p) ?? []) {
      const c = cmd.get(k) ?? '';
      if (c.includes('rktlet-command-helper')) continue; // the daemon's long-lived helper and what it runs
      out.push(`${k} ${c}`);
      walk(k);
    }
  };
  walk(root);
  return out;
}
async function settles(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what} did not settle in ${ms} ms`);
    await sleep(100);
  }
}
/** Processes in the container (busybox ps), one command line each. */
async function containerPs(): Promise<string> {
  const r = await d.client.runtime('ExecSync', { container_id: ctr, cmd: ['ps', '-o', 'args'], timeout: 10 });
  return Buffer.from(r.stdout).toString();
}

test('URLs from before a daemon restart (SIGKILL between Exec and the upgrade) still work; used ones get 404', async () => {
  const spdyUrl = await execUrl(['echo', 'before the restart']);
  const wsUrl = await execUrl(['cat'], { stdin: true });
  const pfUrl = (await d.client.runtime('PortForward', { pod_sandbox_id: podId, port: [] })).url;
  const attachUrl = (await d.client.runtime('Attach', { container_id: ctr, stdin: false, stdout: true, stderr: true, tty: false })).url;
  const used = await execUrl(['true']);
  assert.equal((await spdyExec(used)).exitCode, 0);
  const file = join(d.dirs.runRoot, 'streaming', 'tokens.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const token = spdyUrl.split('/').pop()!;
  assert.ok(!readFileSync(file, 'utf8').includes(token), 'the token file holds hashes only');

  await d.stop('SIGKILL');
  d = await TestDaemon.start({ dirs: d.dirs });
  assert.match(d.stderr, /"tokens":4,"msg":"streaming URLs of the previous daemon restored"/);

  const r = await spdyExec(spdyUrl);
  assert.equal(r.stdout.toString(), 'before the restart\n');
  assert.equal(r.exitCode, 0);
  const w = await wsExec(wsUrl, 'ws after the restart\n');
  assert.equal(w.stdout.toString(), 'ws after the restart\n');
  const pf = await SpdyPortForward.open(pfUrl);
  const c = await pf.connect(1); // nothing listens on port 1 in the pod: a clear error, no hang
  assert.match(await c.errorText, /error forwarding port 1/);
  await pf.close();
  const attached = await SpdyRemoteCommand.open(attachUrl, {});
  await attached.conn.session.ping(); // the session is up on the restarted daemon
  attached.conn.session.destroy();
  const again = await spdyExec(used).catch((e: unknown) => e);
  assert.ok(again instanceof UpgradeError);
  assert.equal(again.statusCode, 404);
  assert.match(again.body, /unknown or expired streaming token/);
});

test('a client that never reads a huge output: daemon RSS stays flat; dropping it ends the exec', async () => {
  await settles('idle daemon children', () => descendants().length === 0);
  const fds0 = fdCount();
  const rss0 = rssMiB();
  const rc = await SpdyRemoteCommand.open(await execUrl(['cat', '/dev/zero']), {});
  // Nobody reads stdout: the client's stream fills, TCP fills, the daemon must stop reading cat.
  let peak = rss0;
  for (let i = 0; i < 30; i++) {
    await sleep(200);
    peak = Math.max(peak, rssMiB());
  }
  const wsSession = await wsConnect(await execUrl(['cat', '/dev/zero']), ['v5.channel.k8s.io']);
  wsSession.ws.pause(); // a WebSocket client that does not read either
  for (let i = 0; i < 30; i++) {
    await sleep(200);
    peak = Math.max(peak, rssMiB());
  }
  console.log(`# non-reading clients (SPDY + WebSocket, cat /dev/zero, 12 s): daemon RSS ${rss0.toFixed(1)} MiB before, peak ${peak.toFixed(1)} MiB`);
  assert.ok(peak - rss0 < 64, `daemon RSS grew ${(peak - rss0).toFixed(1)} MiB`);
  assert.match(await containerPs(), /cat \/dev\/zero/);
  const attach = await SpdyRemoteCommand.open((await d.client.runtime('Attach', { container_id: ctr, stdin: false, stdout: true, stderr: true, tty: false })).url, {});
  await attach.conn.session.ping();
  assert.ok(descendants().length >= 3, `expected two runc exec and an attach relay: ${descendants().join('; ')}`);
  // All three clients vanish mid-stream.
  rc.conn.session.socket.destroy();
  wsSession.ws.terminate();
  attach.conn.session.socket.destroy();
  await settles('exec processes of dropped clients', () => descendants().length === 0);
  for (let i = 0; i < 50 && /cat \/dev\/zero/.test(await containerPs()); i++) await sleep(100);
  assert.doesNotMatch(await containerPs(), /cat \/dev\/zero/);
  await settles('daemon fds', () => fdCount() <= fds0 + 2);
  console.log(`# after dropping them: RSS ${rssMiB().toFixed(1)} MiB, fds ${fds0} -> ${fdCount()}`);
});

/** Upgrades a raw socket (no client library): returns it right after the 101 answer. */
async function rawUpgrade(url: string, kind: 'spdy' | 'ws'): Promise<net.Socket> {
  const u = new URL(url);
  const sock = net.connect(Number(u.port), u.hostname);
  sock.on('error', () => undefined);
  const headers =
    kind === 'spdy'
      ? 'Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n'
      : `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n`;
  sock.write(`${kind === 'spdy' ? 'POST' : 'GET'} ${u.pathname}${u.pathname.startsWith('/portforward') && kind === 'ws' ? '?port=1' : ''} HTTP/1.1\r\nHost: ${u.host}\r\n${headers}\r\n`);
  let head = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      head += b.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) reject(new Error(head.split('\r\n')[0]));
        else resolve();
      }
    };
    sock.on('data', onData);
    sock.once('close', () => reject(new Error('closed before the upgrade answer')));
  });
  sock.resume(); // read and drop whatever the server sends back
  return sock;
}

test('malformed SPDY and WebSocket sessions (seeded) cost nothing beyond themselves', async () => {
  const r = new Rng(seed);
  await settles('idle daemon children', () => descendants().length === 0);
  const fds0 = fdCount();
  const rss0 = rssMiB();
  // A healthy session stays open across the fuzz and must still echo afterwards.
  const live = await SpdyRemoteCommand.open(await execUrl(['cat'], { stdin: true }), { stdin: true });
  const echoed: Buffer[] = [];
  live.stdout!.on('data', (b: Buffer) => echoed.push(b));
  const counts = { spdy: 0, ws: 0, portforward: 0 };
  const one = async (kind: 'spdy' | 'ws', pf: boolean) => {
    const url = pf ? (await d.client.runtime('PortForward', { pod_sandbox_id: podId, port: [] })).url : await execUrl(['cat'], { stdin: r.chance(0.5) });
    const sock = await rawUpgrade(url, kind);
    const z = new PeerCompressor();
    const bytes: Buffer[] = [];
    if (kind === 'spdy') {
      // Sometimes a valid start (as a real client would), then hostile frames.
      if (r.chance(0.5)) bytes.push(encodeFrame({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: await z.block(Buffer.from('\0\0\0\x01\0\0\0\x0astreamtype\0\0\0\x05error', 'latin1')) }));
      for (let k = 1 + r.int(10); k > 0; k--) bytes.push(await randomFrame(r, z, 1 + 2 * r.int(5)));
    } else {
      for (let k = 1 + r.int(10); k > 0; k--) bytes.push(randomWsFrame(r));
    }
    for (const c of randomChunks(r, Buffer.concat(bytes))) if (!sock.destroyed) sock.write(c);
    await sleep(20 + r.int(200));
    if (r.chance(0.5)) sock.end();
    else sock.destroy();
    z.close();
    counts[pf ? 'portforward' : kind]++;
  };
  const N = Number(process.env.FUZZ_LIVE_CASES ?? 240);
  for (let i = 0; i < N; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, N - i) }, () => one(r.chance(0.5) ? 'spdy' : 'ws', r.chance(0.2))));
  }
  // The server answers the next valid session, the healthy one still works, CRI calls work.
  assert.equal((await spdyExec(await execUrl(['echo', 'still serving']))).stdout.toString(), 'still serving\n');
  assert.equal((await wsExec(await execUrl(['echo', 'ws still serving']), undefined)).stdout.toString(), 'ws still serving\n');
  live.stdin!.write('alive\n');
  await settles('the healthy session echo', () => Buffer.concat(echoed).toString() === 'alive\n', 5000);
  live.stdin!.end();
  assert.equal((await live.wait()).exitCode, 0);
  const st = await d.client.runtime('ContainerStatus', { container_id: ctr });
  assert.equal(st.status?.state, 'CONTAINER_RUNNING');
  // Nothing left: no runc exec, relay or nsenter; fds back; RSS figures.
  await settles('daemon children after the fuzz', () => descendants().length === 0, 40_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${descendants().join('; ')}`);
  });
  await settles('daemon fds after the fuzz', () => fdCount() <= fds0 + 2, 20_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${fds0} -> ${fdCount()}`);
  });
  for (let i = 0; i < 50 && !/^\s*PID|^ARGS\n.*sleep 100000\n.*ps -o args\n?$/s.test(await containerPs()); i++) await sleep(100);
  const ps = await containerPs();
  assert.doesNotMatch(ps, /\bcat\b/, ps);
  // Hostile input is the client's problem: logged at info, never as a daemon error (pino: 50+).
  const errors = d.stderr.split('\n').filter((l) => /"level":(5|6)\d/.test(l));
  assert.deepEqual(errors, []);
  const rss1 = rssMiB();
  console.log(`# live fuzz: ${N} hostile sessions (${JSON.stringify(counts)}), daemon RSS ${rss0.toFixed(1)} -> ${rss1.toFixed(1)} MiB, fds ${fds0} -> ${fdCount()}`);
  // A session stuck on a header bomb used to keep its zlib context (16 MiB of output) for ever.
  assert.ok(rss1 - rss0 < 48, `daemon RSS grew ${(rss1 - rss0).toFixed(1)} MiB over the fuzz`);
});

test('a header bomb (32 MiB of zeros in a SYN_STREAM) ends its session at once; RSS stays flat', async () => {
  const rss0 = rssMiB();
  const bomb = encodeFrame({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: bombBlock(32) });
  const socks = await Promise.all(Array.from({ length: 8 }, async () => rawUpgrade(await execUrl(['cat'], { stdin: true }), 'spdy')));
  const t0 = Date.now();
  // Before the fix the session waited for ever on zlib (its output filled the buffer) holding 16 MiB.
  await Promise.all(
    socks.map(async (s) => {
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      s.write(bomb);
      const r = await Promise.race([closed.then(() => 'closed'), sleep(10_000).then(() => 'still open')]);
      s.destroy();
      assert.equal(r, 'closed', 'the daemon kept a session that sent a header bomb');
    }),
  );
  console.log(`# 8 header bombs: sessions closed in ${Date.now() - t0} ms, daemon RSS ${rss0.toFixed(1)} -> ${rssMiB().toFixed(1)} MiB`);
  assert.ok(rssMiB() - rss0 < 48);
  assert.equal((await spdyExec(await execUrl(['echo', 'after the bombs']))).stdout.toString(), 'after the bombs\n');
});

test('port-forward: a client that never reads a flood from the pod, then vanishes, leaves no nsenter and flat RSS', async () => {
  const c = await d.client.runtime('CreateContainer', {
    pod_sandbox_id: podId,
    config: { metadata: { name: 'flooder', attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', 'while true; do nc -l -p 8080 < /dev/zero; done'], log_path: 'flooder.log' },
    sandbox_config: podConfig,
  });
  await d.client.runtime('StartContainer', { container_id: c.container_id });
  await settles('idle daemon children', () => descendants().length === 0);
  const fds0 = fdCount();
  const rss0 = rssMiB();
  let peak = rss0;
  const pf = await SpdyPortForward.open((await d.client.runtime('PortForward', { pod_sandbox_id: podId, port: [] })).url);
  let flowing = false;
  for (let i = 0; i < 50 && !flowing; i++) {
    const conn = await pf.connect(8080);
    // Read a little to see the flood started, then stop reading for good.
    const first = await Promise.race([new Promise<boolean>((r) => conn.data.once('data', () => r(true))), sleep(300).then(() => false)]);
    conn.data.pause();
    flowing = first;
  }
  assert.ok(flowing, 'the flood never started');
  for (let i = 0; i < 30; i++) {
    await sleep(200);
    peak = Math.max(peak, rssMiB());
  }
  assert.ok(descendants().some((l) => /nsenter|python3/.test(l)), `no forwarder running: ${descendants().join('; ')}`);
  console.log(`# non-reading port-forward client (nc < /dev/zero, 6 s): daemon RSS ${rss0.toFixed(1)} MiB before, peak ${peak.toFixed(1)} MiB`);
  assert.ok(peak - rss0 < 64, `daemon RSS grew ${(peak - rss0).toFixed(1)} MiB`);
  pf.conn.session.socket.destroy();
  await settles('forwarders of the dropped client', () => descendants().length === 0).catch((e: Error) => {
    throw new Error(`${e.message}: ${descendants().join('; ')}`);
  });
  await settles('daemon fds', () => fdCount() <= fds0 + 2);
  await d.client.runtime('RemoveContainer', { container_id: c.container_id });
});

test('a restart finding the previous streaming port taken serves on a new one; old URLs fail fast', async () => {
  const oldUrl = await execUrl(['true']);
  const port = Number(new URL(oldUrl).port);
  await d.stop('SIGKILL');
  const squatter = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
  try {
    d = await TestDaemon.start({ dirs: d.dirs });
    assert.match(d.stderr, /the previous streaming port is taken/);
    const fresh = await execUrl(['echo', 'new port']);
    assert.notEqual(new URL(fresh).port, String(port));
    assert.equal((await spdyExec(fresh)).stdout.toString(), 'new port\n');
    const t0 = Date.now();
    await assert.rejects(spdyExec(oldUrl));
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    squatter.close();
  }
});

test('a client flooding PINGs (SPDY and WebSocket) without reading the answers: RSS stays flat, the session is dropped or stalled', async () => {
  const rss0 = rssMiB();
  const mask = Buffer.alloc(4);
  const wsPing = Buffer.concat([Buffer.from([0x89, 0x80 | 125]), mask, Buffer.alloc(125)]); // masked PING, 125 bytes
  const spdyPing = encodeFrame({ type: 'ping', id: 1 });
  const flood = async (kind: 'spdy' | 'ws') => {
    const sock = await rawUpgrade(await execUrl(['cat'], { stdin: true }), kind);
    sock.pause(); // never reads a byte of the answers
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    let gone = false;
    void closed.then(() => (gone = true));
    const chunk = Buffer.concat(Array.from({ length: 2048 }, () => (kind === 'ws' ? wsPing : spdyPing)));
    let sent = 0;
    let peak = rssMiB();
    // Write while the daemon takes it (at most 64 MiB); stop when TCP pushes back for 2 s.
    while (!gone && sent < 64 << 20) {
      const drained = sock.write(chunk) || (await Promise.race([new Promise<boolean>((r) => sock.once('drain', () => r(true))), sleep(2000).then(() => false), closed.then(() => false)]));
      sent += chunk.length;
      peak = Math.max(peak, rssMiB());
      if (!drained) break;
    }
    await sleep(300);
    peak = Math.max(peak, rssMiB());
    sock.destroy();
    return { sent, gone, peak };
  };
  const ws = await flood('ws');
  const spdy = await flood('spdy');
  console.log(`# PING floods without reading: WebSocket ${(ws.sent / 2 ** 20).toFixed(1)} MiB sent, dropped=${ws.gone}, RSS peak ${ws.peak.toFixed(1)}; SPDY ${(spdy.sent / 2 ** 20).toFixed(1)} MiB sent, dropped=${spdy.gone}, RSS peak ${spdy.peak.toFixed(1)}; daemon RSS before ${rss0.toFixed(1)} MiB`);
  // SPDY: PINGs are answered until both TCP buffers are full, then the session stops reading; the
  // frames of the last chunks read are the only backlog (old code parsed and queued every one).
  assert.ok(Math.max(ws.peak, spdy.peak) - rss0 < 64, 'the daemon buffered frames of a client that does not read');
  assert.equal((await spdyExec(await execUrl(['echo', 'after the floods']))).stdout.toString(), 'after the floods\n');
});
