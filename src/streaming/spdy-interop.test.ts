// Interoperability with the real Go SPDY stack: moby/spdystream (what client-go uses) runs an exec
// against our server. Needs Go and Debian's golang-github-docker-spdystream-dev (setup-host.sh
// installs both); skipped, saying so, where they are missing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { packageRoot } from '../util/package-info.js';
import { silentLogger } from '../log/logger.js';
import { HostBackend } from './test-host-backend.js';
import { StreamingServer } from './server.js';

const GOPATH = '/usr/share/gocode';
const haveGo = existsSync('/usr/bin/go') && existsSync(join(GOPATH, 'src/github.com/moby/spdystream/connection.go'));
let server: StreamingServer;
let bin = '';
let cache = '';

before(async () => {
  if (!haveGo) return;
  server = await StreamingServer.start({ address: '127.0.0.1', port: 0, tokenTtlMs: 60_000, backend: new HostBackend(), log: silentLogger() });
  cache = mkdtempSync(join(tmpdir(), 'rktlet-gocache-'));
  bin = join(cache, 'go-exec');
  await promisify(execFile)('go', ['build', '-o', bin, '.'], {
    cwd: join(packageRoot, 'test/fixtures/spdy/go-exec'),
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(cache, 'build'), GOFLAGS: '' },
  });
});
after(async () => {
  await server?.close();
  if (cache) rmSync(cache, { recursive: true, force: true });
});

test('a real spdystream client execs through our server (v4 status, stdin close, stderr)', { skip: !haveGo && 'go or spdystream not installed' }, async () => {
  const url = await server.register({ kind: 'exec', containerId: 'c', cmd: ['sh', '-c', 'cat; echo done >&2; exit 5'], stdin: true, stdout: true, stderr: true, tty: false });
  const { stdout } = await promisify(execFile)(bin, [url, 'from go\n']);
  const r = JSON.parse(stdout) as Record<string, string>;
  assert.equal(r.protocol, 'v4.channel.k8s.io');
  assert.equal(r.stdout, 'from go\n');
  assert.equal(r.stderr, 'done\n');
  const status = JSON.parse(r.error!) as { reason: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '5' }]);
});

test('a real spdystream client port-forwards through our server (request IDs, error stream)', { skip: !haveGo && 'go or spdystream not installed' }, async () => {
  const web = http.createServer((req, res) => res.end(`go says ${req.url}`));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  try {
    const port = String((web.address() as AddressInfo).port);
    const url = await server.register({ kind: 'portforward', podSandboxId: 'p', ports: [] });
    const { stdout } = await promisify(execFile)(bin, ['-pf', url, port, 'GET /pf HTTP/1.0\r\n\r\n']);
    const r = JSON.parse(stdout) as Record<string, string>;
    assert.equal(r.protocol, 'portforward.k8s.io');
    assert.match(r.data!, /go says \/pf$/);
    assert.equal(r.error, '');

    const refused = await server.register({ kind: 'portforward', podSandboxId: 'p', ports: [] });
    const { stdout: out2 } = await promisify(execFile)(bin, ['-pf', refused, '1', 'x']);
    assert.match((JSON.parse(out2) as Record<string, string>).error!, /error forwarding port 1 to pod p/);
  } finally {
    await new Promise<void>((r) => web.close(() => r()));
  }
});
