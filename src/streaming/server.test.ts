// The streaming server end to end with the host backend (local processes instead of containers):
// SPDY and WebSocket clients as kubectl/crictl drive them.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../log/logger.js';
import { HostBackend } from './test-host-backend.js';
import { StreamingServer } from './server.js';
import type { RemoteCommandRequest } from './remotecommand.js';
import { collect, spdyExec, SpdyPortForward, SpdyRemoteCommand, UpgradeError, spdyConnect } from '../../test/helpers/spdy-client.js';
import { channelBytes, wsConnect, wsExec } from '../../test/helpers/ws-client.js';

let server: StreamingServer;
let web: http.Server;
let webPort: number;

before(async () => {
  server = await StreamingServer.start({ address: '127.0.0.1', port: 0, tokenTtlMs: 60_000, backend: new HostBackend(), log: silentLogger(), streamCreationTimeoutMs: 2000 });
  web = http.createServer((req, res) => res.end(`hello from ${req.url}`));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as AddressInfo).port;
});
after(async () => {
  await server.close();
  await new Promise<void>((r) => web.close(() => r()));
});

function execUrl(cmd: string[], o: Partial<RemoteCommandRequest> = {}): Promise<string> {
  return server.register({ kind: 'exec', containerId: 'c1', cmd, stdin: false, stdout: true, stderr: true, tty: false, ...o });
}

test('echo over SPDY v4: output, Success status, exit code 0', async () => {
  const r = await spdyExec(await execUrl(['echo', 'hello']));
  assert.equal(r.stdout.toString(), 'hello\n');
  assert.equal(r.stderr.length, 0);
  assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  assert.equal(r.exitCode, 0);
});

test('exit codes and stderr reach the client (v4 NonZeroExitCode status)', async () => {
  const r = await spdyExec(await execUrl(['sh', '-c', 'echo oops >&2; exit 3']));
  assert.equal(r.stderr.toString(), 'oops\n');
  assert.equal(r.exitCode, 3);
  assert.deepEqual(r.status, {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c echo oops >&2; exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});

test('older protocols: v3/v2 report a failure as text, v1 stays silent on success', async () => {
  for (const p of ['v3.channel.k8s.io', 'v2.channel.k8s.io']) {
    const r = await spdyExec(await execUrl(['sh', '-c', 'exit 2']), undefined, { protocols: [p] });
    assert.match(String(r.status), /non-zero exit code.*exit code 2/);
  }
  const ok = await spdyExec(await execUrl(['echo', 'v1']), undefined, { protocols: ['channel.k8s.io'] });
  assert.equal(ok.stdout.toString(), 'v1\n');
  assert.equal(ok.status, undefined);
});

test('negotiation: the client order wins; an unknown protocol is refused with 403 and the accepted list', async () => {
  const c = await spdyConnect(await execUrl(['true']), ['v9.channel.k8s.io', 'v3.channel.k8s.io', 'v4.channel.k8s.io']);
  assert.equal(c.protocol, 'v3.channel.k8s.io');
  c.session.destroy();
  const err = await spdyConnect(await execUrl(['true']), ['v9.channel.k8s.io']).catch((e: unknown) => e);
  assert.ok(err instanceof UpgradeError);
  assert.equal(err.statusCode, 403);
  assert.match(String(err.headers['x-accepted-stream-protocol-versions']), /v5\.channel\.k8s\.io/);
});

test('a stream of an unknown type carrying data does not stop the session (its data is dropped)', async () => {
  const c = await spdyConnect(await execUrl(['echo', 'still served']), ['v4.channel.k8s.io']);
  const bogus = await c.session.openStream({ streamtype: ['bogus'] });
  bogus.write(Buffer.alloc(1024 * 1024)); // more than a stream buffers: unread, it paused the whole socket
  const error = await c.session.openStream({ streamtype: ['error'] });
  const stdout = await c.session.openStream({ streamtype: ['stdout'] });
  const stderr = await c.session.openStream({ streamtype: ['stderr'] });
  const [out, , status] = await Promise.all([collect(stdout), collect(stderr), collect(error)]);
  assert.equal(out.toString(), 'still served\n');
  assert.match(status.toString(), /Success/);
  c.session.destroy();
});

test('10 MiB through stdin and back unchanged (stdin close reaches the process)', async () => {
  const data = randomBytes(10 * 1024 * 1024);
  const r = await spdyExec(await execUrl(['cat'], { stdin: true }), data);
  assert.equal(r.stdout.length, data.length);
  assert.equal(createHash('sha256').update(r.stdout).digest('hex'), createHash('sha256').update(data).digest('hex'));
  assert.equal(r.exitCode, 0);
});

test('interactive shell on a TTY: resize is honoured, input echoes, exit ends the session', async () => {
  const rc = await SpdyRemoteCommand.open(await execUrl(['sh'], { stdin: true, tty: true, stderr: false }), { stdin: true, tty: true });
  assert.ok(rc.resizeStream, 'a resize stream on v4 with a TTY');
  rc.resize(100, 30);
  await rc.typeUntil('stty size\n', /30 100\r?\n/);
  await rc.typeUntil('tty\n', /\/dev\/pts\/\d+/);
  rc.resize(120, 40);
  await rc.typeUntil('stty size\n', /40 120/);
  rc.stdin!.write('exit 7\n');
  const r = await rc.wait();
  assert.equal(r.exitCode, 7);
});

test('20 concurrent sessions each get their own output', async () => {
  const runs = Array.from({ length: 20 }, async (_, i) => spdyExec(await execUrl(['sh', '-c', `echo session-${i}; exit ${i % 5}`])));
  const results = await Promise.all(runs);
  results.forEach((r, i) => {
    assert.equal(r.stdout.toString(), `session-${i}\n`);
    assert.equal(r.exitCode, i % 5);
  });
});

test('tokens are single-use and expire', async () => {
  const url = await execUrl(['true']);
  await spdyExec(url);
  const reused = await spdyExec(url).catch((e: unknown) => e);
  assert.ok(reused instanceof UpgradeError);
  assert.equal(reused.statusCode, 404);

  const short = await StreamingServer.start({ address: '127.0.0.1', port: 0, tokenTtlMs: 50, backend: new HostBackend(), log: silentLogger() });
  try {
    const late = await short.register({ kind: 'exec', containerId: 'c', cmd: ['true'], stdin: false, stdout: true, stderr: false, tty: false });
    await sleep(120);
    const e = await spdyExec(late).catch((x: unknown) => x);
    assert.ok(e instanceof UpgradeError);
    assert.equal(e.statusCode, 404);
    // A token for exec does not open attach.
    const wrong = (await short.register({ kind: 'exec', containerId: 'c', cmd: ['true'], stdin: false, stdout: true, stderr: false, tty: false })).replace('/exec/', '/attach/');
    const e2 = await spdyExec(wrong).catch((x: unknown) => x);
    assert.equal((e2 as UpgradeError).statusCode, 404);
  } finally {
    await short.close();
  }
});

test('attach over SPDY: stdin reaches the attached process and its output comes back', async () => {
  const url = await server.register({ kind: 'attach', containerId: 'c1', cmd: [], stdin: true, stdout: true, stderr: false, tty: false });
  const r = await spdyExec(url, 'attached\n', { stderr: false });
  assert.equal(r.stdout.toString(), 'attached\n');
  assert.equal(r.exitCode, 0);
});

test('port forward over SPDY: several connections at once; a closed port reports on the error stream', async () => {
  const pf = await SpdyPortForward.open(await server.register({ kind: 'portforward', podSandboxId: 'p1', ports: [] }));
  const conns = await Promise.all([0, 1, 2].map(() => pf.connect(webPort)));
  const bodies = await Promise.all(
    conns.map(async (c, i) => {
      c.data.write(`GET /conn-${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      return (await collect(c.data)).toString();
    }),
  );
  bodies.forEach((b, i) => assert.match(b, new RegExp(`hello from /conn-${i}$`)));
  for (const c of conns) assert.equal(await c.errorText, '');

  const bad = await pf.connect(1); // nothing listens on port 1
  assert.match(await bad.errorText, /error forwarding port 1 to pod p1, uid : .*ECONNREFUSED/);
  await pf.close();
});

test('port forward refuses streams without a valid port header, and ports the request did not name', async () => {
  const pf = await SpdyPortForward.open(await server.register({ kind: 'portforward', podSandboxId: 'p1', ports: [webPort] }));
  await assert.rejects(pf.conn.session.openStream({ streamtype: ['data'], port: ['abc'], requestid: ['9'] }), /reset/);
  const other = await pf.connect(webPort + 1 > 65535 ? 1 : webPort + 1);
  assert.match(await other.errorText, /was not requested/);
  await pf.close();
});

test('WebSocket exec: v5 with stdin close, v4 exit code, base64 framing', async () => {
  const v5 = await wsExec(await execUrl(['cat'], { stdin: true }), 'over websocket\n');
  assert.equal(v5.protocol, 'v5.channel.k8s.io');
  assert.equal(v5.stdout.toString(), 'over websocket\n');
  assert.equal(v5.exitCode, 0);

  const v4 = await wsExec(await execUrl(['sh', '-c', 'echo e >&2; exit 4']), undefined, ['v4.channel.k8s.io']);
  assert.equal(v4.protocol, 'v4.channel.k8s.io');
  assert.equal(v4.stderr.toString(), 'e\n');
  assert.equal(v4.exitCode, 4);

  const b64 = await wsExec(await execUrl(['echo', 'b64']), undefined, ['v4.base64.channel.k8s.io']);
  assert.equal(b64.stdout.toString(), 'b64\n');
  assert.equal(b64.exitCode, 0);
});

test('port forward through a WebSocket tunnel carrying SPDY (kubectl 1.30+)', async () => {
  const pf = await SpdyPortForward.openTunnel(await server.register({ kind: 'portforward', podSandboxId: 'p1', ports: [] }));
  assert.equal(pf.conn.protocol, 'SPDY/3.1+portforward.k8s.io');
  const c = await pf.connect(webPort);
  c.data.write('GET /tunnel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match((await collect(c.data)).toString(), /hello from \/tunnel$/);
  await pf.close();
});

test('WebSocket port forward: port prefix on both channels, then the data', async () => {
  const s = await wsConnect(await server.register({ kind: 'portforward', podSandboxId: 'p1', ports: [webPort] }), ['v4.channel.k8s.io']);
  s.send(0, `GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await s.closed;
  const data = channelBytes(s, 0);
  assert.equal(data.readUInt16LE(0), webPort);
  assert.equal(channelBytes(s, 1).readUInt16LE(0), webPort);
  assert.match(data.subarray(2).toString(), /hello from \/ws$/);
});

test('a plain GET (no upgrade) is refused with 400 and burns the token', async () => {
  const url = await execUrl(['true']);
  const res = await fetch(url);
  assert.equal(res.status, 400);
  const again = await fetch(url);
  assert.equal(again.status, 404);
});

test('TLS: with a certificate and key the server speaks https and the URLs say so', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-tls-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const tls = await StreamingServer.start({ address: '127.0.0.1', port: 0, tokenTtlMs: 60_000, tlsCert: cert, tlsKey: key, backend: new HostBackend(), log: silentLogger() });
    try {
      const url = await tls.register({ kind: 'exec', containerId: 'c', cmd: ['echo', 'secure'], stdin: false, stdout: true, stderr: true, tty: false });
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/exec\//);
      const r = await spdyExec(url);
      assert.equal(r.stdout.toString(), 'secure\n');
    } finally {
      await tls.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('garbage after the upgrade ends that session only (GOAWAY, close); the server keeps serving', async () => {
  const net = await import('node:net');
  for (const junk of [Buffer.from('8002000600000004000000010', 'hex'), Buffer.concat([Buffer.from('800300010000000e0000000100000000', 'hex'), Buffer.from('not zlib!!')])]) {
    const u = new URL(await execUrl(['true']));
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST ${u.pathname} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    let got = Buffer.alloc(0);
    sock.on('data', (b: Buffer) => (got = Buffer.concat([got, b])));
    for (let i = 0; i < 100 && !got.includes('\r\n\r\n'); i++) await sleep(10);
    assert.match(got.toString('latin1'), /^HTTP\/1\.1 101 /);
    const headerEnd = got.indexOf('\r\n\r\n') + 4;
    sock.write(junk);
    await new Promise((r) => sock.once('close', r));
    // The last frame the server sent is a GOAWAY with PROTOCOL_ERROR (status 1).
    const tail = got.subarray(headerEnd);
    assert.ok(tail.length >= 16, `a GOAWAY frame: ${tail.toString('hex')}`);
    assert.equal(tail.subarray(tail.length - 16, tail.length - 12).toString('hex'), '80030007');
    assert.equal(tail.readUInt32BE(tail.length - 4), 1);
  }
  const r = await spdyExec(await execUrl(['echo', 'still here']));
  assert.equal(r.stdout.toString(), 'still here\n');
});

test('an idle connection is closed after the idle timeout, and its process killed', { timeout: 20_000 }, async () => {
  const { execFileSync } = await import('node:child_process');
  const running = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((l) => l.trim() === 'sleep 2999');
  const idle = await StreamingServer.start({ address: '127.0.0.1', port: 0, tokenTtlMs: 60_000, idleTimeoutMs: 300, backend: new HostBackend(), log: silentLogger() });
  try {
    const rc = await SpdyRemoteCommand.open(await idle.register({ kind: 'exec', containerId: 'c', cmd: ['sleep', '2999'], stdin: true, stdout: true, stderr: true, tty: false }), { stdin: true });
    await new Promise((r) => rc.conn.session.once('close', r));
    for (let i = 0; i < 200 && running(); i++) await sleep(25);
    assert.ok(!running(), 'the exec\'d process went with its connection');
  } finally {
    await idle.close();
  }
});
