// The CLI with no daemon at all: pods, apps (the image pulled on first use), exec, exits recorded
// from conmon's files; a daemon started afterwards finds everything as the CLI left it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupHost, makeDirs, runCli, RKTLET_BIN, TestDaemon, uniqueNetwork } from '../helpers/daemon.js';
import { freePort, sharedBusyboxRegistry } from '../helpers/registry.js';

const dirs = makeDirs('rktlet-cli-');
let daemon: TestDaemon | undefined;
after(async () => {
  if (daemon) await daemon.destroy();
  else cleanupHost(dirs);
});

const cli = (...args: string[]) => runCli(['--root', dirs.root, '--run-root', dirs.runRoot, '--config', dirs.config, ...args]);

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  assert.equal(r.code, 0, `rktlet ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('daemonless pods and apps; a daemon started later finds them', async () => {
  const reg = await sharedBusyboxRegistry();
  const net = uniqueNetwork();
  dirs.bridge = net.bridge;
  writeFileSync(
    dirs.config,
    ['[network]', `conf_dir = "${dirs.cniConfDir}"`, `default_bridge = "${net.bridge}"`, `default_subnet = "${net.subnet}"`, reg.configToml].join('\n'),
  );

  const podId = (await ok('app', 'sandbox', '--name', 'solo', '--hostname', 'solo-host', '--port', `${await freePort()}:80/tcp`)).trim();
  const pst = JSON.parse(await ok('pod', 'status', podId)) as { state: string; network: { ip: string } };
  assert.equal(pst.state, 'SANDBOX_READY');
  assert.match(pst.network.ip, /^10\./);

  // 'busybox' is not stored yet: add pulls it (through the configured mirror), as IfNotPresent.
  assert.equal((await ok('images', '-q')).trim(), '');
  const webId = (await ok('app', 'add', 'solo', 'busybox', '--name', 'web', '--env', 'A=1', '--workdir', '/tmp', '--', 'sleep', '3600')).trim();
  assert.match(webId, /^[0-9a-f]{64}$/);
  assert.equal((await ok('images', '-q')).trim().split('\n').length, 1);
  await ok('app', 'start', 'solo', '--app', 'web');

  const ex = await cli('exec', 'web', '--', 'sh', '-c', 'echo "$A $(pwd) $(hostname)"; exit 3');
  assert.deepEqual([ex.code, ex.stdout], [3, '1 /tmp solo-host\n']);
  const tty = await cli('exec', '-t', webId.slice(0, 12), '--', 'sh', '-c', 'test -t 1 && echo on-a-tty');
  assert.equal(tty.code, 0, tty.stderr);
  assert.equal(tty.stdout.replace(/\r/g, ''), 'on-a-tty\n');

  // -i: our stdin reaches the command, and its end ends the command's input.
  const piped = spawnSync(process.execPath, [RKTLET_BIN, '--root', dirs.root, '--run-root', dirs.runRoot, '--config', dirs.config, 'exec', '-i', 'web', '--', 'sh', '-c', 'tr a-z A-Z; exit 4'], {
    input: 'hello\nworld\n',
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.deepEqual([piped.status, piped.stdout], [4, 'HELLO\nWORLD\n'], piped.stderr);

  // An app that exits with no daemon around: the next CLI call reads conmon's exit file.
  await ok('app', 'add', 'solo', 'busybox', '--name', 'job', '--', 'sh', '-c', 'exit 9');
  await ok('app', 'start', 'solo', '--app', 'job');
  let st = JSON.parse(await ok('app', 'status', 'solo', '--app', 'job')) as { state: string; exit_code: number; reason: string };
  for (let i = 0; st.state !== 'CONTAINER_EXITED' && i < 100; i++) {
    await sleep(100);
    st = JSON.parse(await ok('app', 'status', 'solo', '--app', 'job')) as typeof st;
  }
  assert.deepEqual([st.state, st.exit_code, st.reason], ['CONTAINER_EXITED', 9, 'Error']);
  const list = await ok('app', 'list', 'solo');
  assert.match(list, new RegExp(`${webId.slice(0, 13)}\\s+web\\s+busybox\\s+RUNNING\\s+\\S+\\s+-`));
  assert.match(list, /\sjob\s+busybox\s+EXITED\s+\S+\s+9\n/);
  assert.equal(readdirSync(join(dirs.root, 'pod-logs')).length, 1);
  assert.match(await ok('ps'), new RegExp(`${webId.slice(0, 13)}.*RUNNING\\s+web`));

  // The daemon, started now, finds the pod (same IP) and both apps as they are.
  daemon = await TestDaemon.start({ dirs });
  const pods = await daemon.client.runtime('ListPodSandbox', {});
  assert.deepEqual(pods.items.map((p) => [p.id, p.state]), [[podId, 'SANDBOX_READY']]);
  assert.equal((await daemon.client.runtime('PodSandboxStatus', { pod_sandbox_id: podId })).status!.network!.ip, pst.network.ip);
  const ctrs = await daemon.client.runtime('ListContainers', { filter: { pod_sandbox_id: podId } });
  assert.deepEqual(ctrs.containers.map((c) => [c.metadata?.name, c.state]).sort(), [['job', 'CONTAINER_EXITED'], ['web', 'CONTAINER_RUNNING']]);
  const exec = await daemon.client.runtime('ExecSync', { container_id: webId, cmd: ['sh', '-c', 'echo $A'], timeout: '10' });
  assert.equal(exec.stdout.toString(), '1\n');

  // And the CLI removes the pod under the daemon's eyes.
  await ok('pod', 'rm', 'solo');
  assert.deepEqual((await daemon.client.runtime('ListPodSandbox', {})).items, []);
  assert.deepEqual((await daemon.client.runtime('ListContainers', {})).containers, []);
  assert.deepEqual(readdirSync(join(dirs.root, 'pod-logs')), []);
});

test('run as an unprivileged user, every verb says it must run as root (naming the state root) and exits non-zero', async () => {
  const nobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
  // A state root root made (mode 0711 dirs, 0700 ones inside), reachable by anyone.
  const base = mkdtempSync(join(tmpdir(), 'rktlet-nonroot-'));
  chmodSync(base, 0o755);
  const root = join(base, 'root');
  const runRoot = join(base, 'run');
  const config = join(base, 'rktlet.toml');
  writeFileSync(config, `[network]\nconf_dir = "${join(base, 'cni')}"\n`, { mode: 0o644 });
  try {
    const made = await runCli(['--config', config, '--root', root, '--run-root', runRoot, 'pods']);
    assert.equal(made.code, 0, made.stderr);
    const verbs = [['pods'], ['ps', '-a'], ['images'], ['app', 'sandbox', '--name', 'x'], ['pod', 'rm', 'x'], ['inspect', 'x'], ['logs', 'x'], ['exec', 'x', '--', 'true'], ['pull', 'busybox']];
    for (const v of verbs) {
      const r = await runCli(['--config', config, '--root', root, '--run-root', runRoot, ...v], nobody);
      assert.notEqual(r.code, 0, `${v.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, /^rktlet: rktlet must run as root: user nobody \(uid 65534\) cannot read and write /, v.join(' '));
      assert.ok(r.stderr.includes(root) && r.stderr.includes(runRoot), r.stderr);
      assert.doesNotMatch(r.stderr, /EACCES|scandir/);
    }
    // The default state root (not there yet on a fresh machine: it would be created under /var/lib).
    const fresh = await runCli(['--config', config, '--root', join(base, 'no', 'such'), '--run-root', runRoot, 'pods'], nobody);
    assert.notEqual(fresh.code, 0);
    assert.match(fresh.stderr, new RegExp(`cannot read and write ${base} \\(to create ${join(base, 'no', 'such')}\\)`));
    // A user who may use the roots themselves but not what root made inside them: still plain.
    chownSync(root, 65534, 65534);
    chownSync(runRoot, 65534, 65534);
    const inside = await runCli(['--config', config, '--root', root, '--run-root', runRoot, 'pods'], nobody);
    assert.notEqual(inside.code, 0);
    assert.match(inside.stderr, /^rktlet: rktlet must run as root: uid 65534 got permission denied \(\w+ \//);
    // `rktlet config` needs no state: it still works.
    const cfg = await runCli(['--config', config, '--root', root, 'config'], nobody);
    assert.equal(cfg.code, 0, cfg.stderr);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
