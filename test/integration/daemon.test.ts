// The foundation, end to end: a real daemon process on its own socket, driven over gRPC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync, existsSync, mkdirSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { TestDaemon, makeDirs, runCli } from '../helpers/daemon.js';
import { criProto } from '../../src/server/proto.js';
import { packageVersion } from '../../src/util/package-info.js';
import { STREAMING_RPCS } from '../../src/cri/handler.js';
import { systemdBooted } from '../../src/systemd/booted.js';

const daemons: TestDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.destroy();
});

async function start(opts: Parameters<typeof TestDaemon.start>[0] = {}) {
  const d = await TestDaemon.start(opts);
  daemons.push(d);
  return d;
}

function grpcCode(err: unknown): number | undefined {
  return (err as { code?: number } | null)?.code;
}

test('Version names the runtime and the CRI API', async () => {
  const d = await start();
  const v = await d.client.runtime('Version', { version: 'v1' });
  assert.equal(v.runtime_name, 'rktlet');
  assert.equal(v.runtime_version, packageVersion);
  assert.equal(v.runtime_api_version, 'v1');
  assert.equal(v.version, '0.1.0');
});

test('the socket is 0660 and owned by root', async () => {
  const d = await start();
  const st = statSync(d.dirs.socket);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o660);
  assert.equal(st.uid, 0);
});

test('Status: NetworkReady is false with a reason while no CNI config is usable', async () => {
  // The generated config already opened a [network] table: add to it.
  const d = await start({ configToml: 'write_default_config = false\n' });
  const s = await d.client.runtime('Status', { verbose: false });
  const cond = Object.fromEntries(s.status!.conditions.map((c) => [c.type, c]));
  assert.equal(cond.RuntimeReady?.status, true, JSON.stringify(cond.RuntimeReady));
  assert.equal(cond.NetworkReady?.status, false);
  assert.equal(cond.NetworkReady?.reason, 'NetworkPluginNotReady');
  assert.match(cond.NetworkReady!.message, /no CNI network config/);
  assert.deepEqual(s.info, {});
  assert.ok(s.runtime_handlers.some((h) => h.name === 'runc'));
  assert.ok(s.runtime_handlers.some((h) => h.name === ''));

  // A usable config (plugins from the host's CNI dir) turns NetworkReady true.
  writeFileSync(
    join(d.dirs.cniConfDir, '10-test.conflist'),
    JSON.stringify({ cniVersion: '1.0.0', name: 'test', plugins: [{ type: 'loopback' }] }),
  );
  const s2 = await d.client.runtime('Status', { verbose: true });
  const net2 = s2.status!.conditions.find((c) => c.type === 'NetworkReady');
  assert.equal(net2?.status, true, net2?.message);
  const cfg = JSON.parse(s2.info.config!) as { root: string; network: { conf_dir: string } };
  assert.equal(cfg.root, d.dirs.root);
  assert.equal(cfg.network.conf_dir, d.dirs.cniConfDir);
});

test('Status: RuntimeReady is false (MountNotPermitted) while the daemon cannot mount; true when it can, leaving nothing mounted', async () => {
  const probeDir = (d: TestDaemon) => join(d.dirs.runRoot, 'mount-probe');
  const mountedUnder = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => (l.split(' ')[4] ?? '').startsWith(dir + '/') || l.includes('rktlet-mount-probe'));
  // Root without CAP_SYS_ADMIN (setpriv execs the daemon: same pid).
  const capless = await start({ wrapper: ['setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin'] });
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${capless.proc.pid}/status`, 'utf8'))![1]}`);
  assert.equal((capEff >> 21n) & 1n, 0n, 'the daemon runs without CAP_SYS_ADMIN');
  const s = await capless.client.runtime('Status', {});
  const rt = s.status!.conditions.find((c) => c.type === 'RuntimeReady')!;
  assert.equal(rt.status, false, JSON.stringify(rt));
  assert.equal(rt.reason, 'MountNotPermitted');
  assert.match(rt.message, /cannot mount a tmpfs at .*\/mount-probe \(the daemon lacks CAP_SYS_ADMIN\): .*(not permitted|permission denied)/i);
  assert.match(capless.stderr, /the daemon cannot mount: RuntimeReady is false/, 'said at start-up too');
  assert.deepEqual(mountedUnder(capless.dirs.runRoot), []);

  const d = await start();
  const ok = (await d.client.runtime('Status', {})).status!.conditions.find((c) => c.type === 'RuntimeReady')!;
  assert.equal(ok.status, true, JSON.stringify(ok));
  assert.deepEqual(readdirSync(probeDir(d)), []);
  assert.deepEqual(mountedUnder(d.dirs.runRoot), [], 'the probe tmpfs was in a mount namespace of its own');
});

test('RuntimeConfig reports the cgroup driver', async () => {
  const d = await start();
  const r = await d.client.runtime('RuntimeConfig', {});
  assert.equal(r.linux?.cgroup_driver, systemdBooted() ? 'SYSTEMD' : 'CGROUPFS', 'auto: systemd when systemd is init (systemd-host.test.ts)');
  const s = await start({ configToml: '[runtime]\ncgroup_driver = "systemd"\n' });
  assert.equal((await s.client.runtime('RuntimeConfig', {})).linux?.cgroup_driver, 'SYSTEMD');
});

test('every RPC is registered; unimplemented ones answer UNIMPLEMENTED naming the RPC', async () => {
  const d = await start();
  const proto = criProto().runtime.v1;
  const runtimeRpcs = Object.keys(proto.RuntimeService.service);
  const imageRpcs = Object.keys(proto.ImageService.service);
  assert.equal(runtimeRpcs.length, 35);
  assert.equal(imageRpcs.length, 6);
  for (const [client, rpcs] of [
    [d.client.runtimeClient, runtimeRpcs],
    [d.client.imageClient, imageRpcs],
  ] as const) {
    for (const rpc of rpcs) {
      const streaming = (STREAMING_RPCS as readonly string[]).includes(rpc);
      const err = await new Promise<unknown>((resolve) => {
        const fn = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[rpc]!;
        if (streaming) {
          const s = fn.call(client, {}) as NodeJS.EventEmitter;
          s.on('data', () => undefined);
          s.once('error', resolve);
          s.once('end', () => resolve(undefined));
          // GetContainerEvents is a subscription: it stays open until the client cancels.
          if (rpc === 'GetContainerEvents') setTimeout(() => (s as unknown as { cancel(): void }).cancel(), 200);
        } else {
          fn.call(client, {}, (e: unknown) => resolve(e));
        }
      });
      const code = grpcCode(err);
      // Implemented RPCs may answer OK or reject the empty request; never with a transport error.
      assert.notEqual(code, status.UNAVAILABLE, `${rpc}: ${String(err)}`);
      assert.notEqual(code, status.INTERNAL, `${rpc}: ${String(err)}`);
      if (code === status.UNIMPLEMENTED) {
        assert.match((err as Error).message, new RegExp(`${rpc} is not implemented`));
      }
    }
  }
  // The daemon is still up and answering.
  assert.equal((await d.client.runtime('Version', {})).runtime_name, 'rktlet');
});

test('a second daemon on the same state root is refused with a clear message', async () => {
  const d = await start();
  const otherSocket = join(d.dirs.base, 'other.sock');
  const r = await runCli(['serve', '--root', d.dirs.root, '--run-root', join(d.dirs.base, 'run2'), '--socket', otherSocket, '--config', d.dirs.config]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /state root .* is in use by another rktlet \(pid \d+/);
  // The first one keeps serving.
  assert.equal((await d.client.runtime('Version', {})).runtime_name, 'rktlet');
});

test('a live socket held by another server is refused; a stale one is replaced', async () => {
  const d = await start();
  const r = await runCli(['serve', '--root', join(d.dirs.base, 'root2'), '--run-root', join(d.dirs.base, 'run2'), '--socket', d.dirs.socket, '--config', d.dirs.config]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /socket .* is in use by a live server/);

  // SIGKILL leaves the socket file and the pid file behind: the next start takes both over.
  await d.stop('SIGKILL');
  assert.ok(existsSync(d.dirs.socket));
  const again = await start({ dirs: d.dirs });
  assert.equal((await again.client.runtime('Version', {})).runtime_name, 'rktlet');
});

test('SIGTERM stops the daemon cleanly (exit 0, socket and lock released)', async () => {
  const d = await start();
  const code = await d.stop('SIGTERM');
  assert.equal(code, 0, d.stderr);
  assert.ok(!existsSync(join(d.dirs.root, 'rktlet.pid')));
  assert.match(d.stderr, /pods and containers keep running/);
});

test('bad config stops start-up with a message naming the key', async (t) => {
  const dirs = makeDirs();
  t.after(() => rmSync(dirs.base, { recursive: true, force: true }));
  writeFileSync(dirs.config, '[runtime]\ncgroup_drivr = "systemd"\n');
  const r = await runCli(['serve', '--root', dirs.root, '--run-root', dirs.runRoot, '--socket', dirs.socket, '--config', dirs.config]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /config key "runtime\.cgroup_drivr": unknown key/);

  writeFileSync(dirs.config, '[grpc]\nsocket_mode = 660\n');
  const r2 = await runCli(['config', '--config', dirs.config]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /config key "grpc\.socket_mode"/);
});

test('rktlet config prints the effective config as TOML, drop-ins applied', async (t) => {
  const dirs = makeDirs();
  t.after(() => rmSync(dirs.base, { recursive: true, force: true }));
  writeFileSync(dirs.config, '[log]\nlevel = "warn"\n');
  mkdirSync(join(dirs.base, 'conf.d'));
  writeFileSync(join(dirs.base, 'conf.d', '50-mirror.toml'), '[image.mirrors]\n"docker.io" = ["http://127.0.0.1:5000"]\n');
  const r = await runCli(['config', '--config', dirs.config, '--root', '/srv/rktlet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^root = "\/srv\/rktlet"$/m);
  assert.match(r.stdout, /^level = "warn"$/m);
  assert.match(r.stdout, /"docker\.io" = \[ "http:\/\/127\.0\.0\.1:5000" \]/);
  assert.match(r.stdout, /^socket = "\/run\/rktlet\/rktlet\.sock"$/m);
});

test('rktlet config --defaults prints the embedded defaults', async () => {
  const r = await runCli(['config', '--defaults', '--root', '/ignored']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^root = "\/var\/lib\/rktlet"$/m);
  assert.match(r.stdout, /^run_root = "\/run\/rktlet"$/m);
  assert.match(r.stdout, /^conf_dir = "\/etc\/cni\/net\.d"$/m);
  assert.match(r.stdout, /^insecure_registries = \[\]$/m);
});
