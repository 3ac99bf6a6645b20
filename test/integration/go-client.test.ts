// Wire compatibility with Go clients: a client generated from our proto by Debian's protoc-gen-go
// and grpc-go decodes the daemon's answers, as crictl `version` and `info` would.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon.js';
import { goClient } from '../helpers/go-client.js';

let d: TestDaemon;
before(async () => {
  d = await TestDaemon.start();
});
after(async () => {
  await d.destroy();
});

test('Go client: version', async () => {
  const r = await goClient(d.dirs.socket, ['version']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as Record<string, string>;
  assert.equal(v.runtime_name, 'rktlet');
  assert.equal(v.runtime_api_version, 'v1');
  assert.equal(v.version, '0.1.0');
});

test('Go client: info (Status verbose) with conditions and config', async () => {
  const r = await goClient(d.dirs.socket, ['info']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as {
    status: { conditions: { type: string; status?: boolean }[] };
    info: { config: string };
    runtime_handlers: { name?: string }[];
  };
  assert.deepEqual(s.status.conditions.map((c) => c.type), ['RuntimeReady', 'NetworkReady']);
  assert.equal(s.status.conditions[0]?.status, true);
  assert.equal((JSON.parse(s.info.config) as { root: string }).root, d.dirs.root);
  assert.ok(s.runtime_handlers.some((h) => h.name === 'runc'));
});

test('Go client: RuntimeConfig enum decodes as CGROUPFS (1)', async () => {
  const r = await goClient(d.dirs.socket, ['runtime-config']);
  assert.equal(r.code, 0, r.stderr);
  // CgroupDriver: SYSTEMD = 0, CGROUPFS = 1.
  assert.deepEqual(JSON.parse(r.stdout), { linux: { cgroup_driver: 1 } });
});

test('Go client: an unimplemented RPC answers Unimplemented naming it', async () => {
  const r = await goClient(d.dirs.socket, ['unimplemented-check']);
  assert.equal(r.code, 0, r.stderr);
  const u = JSON.parse(r.stdout) as { code: string; message: string };
  assert.equal(u.code, 'Unimplemented');
  assert.match(u.message, /CheckpointContainer is not implemented/);
});

test('Go client: a percent-encoded socket path as :authority (kubelet dialing a path) is accepted', async () => {
  const r = await goClient(d.dirs.socket, ['version'], encodeURIComponent(d.dirs.socket));
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { runtime_name: string }).runtime_name, 'rktlet');
});

test('Go client: environment values are bytes; one that is not UTF-8 is refused naming the key', async () => {
  // Before cri-api 1.36.2 the field was a string and a Go client could not send these bytes at all.
  const bad = await goClient(d.dirs.socket, ['create-env', 'no-such-pod', 'SECRET', '61fffe62']);
  assert.equal(bad.code, 0, bad.stderr);
  const b = JSON.parse(bad.stdout) as { code: string; message: string };
  assert.equal(b.code, 'InvalidArgument');
  assert.match(b.message, /"SECRET".*not valid UTF-8 \(byte 0xff at offset 1\)/);
  // UTF-8 bytes pass that check: the request goes on to find no such pod.
  const good = await goClient(d.dirs.socket, ['create-env', 'no-such-pod', 'G', Buffer.from('grüße ✓').toString('hex')]);
  const g = JSON.parse(good.stdout) as { code: string; message: string };
  assert.equal(g.code, 'NotFound', good.stdout);
  assert.match(g.message, /no-such-pod/);
  // The daemon is still up.
  assert.equal((await goClient(d.dirs.socket, ['version'])).code, 0);
});
