// Other host users reach nothing under the state root and the run root (containerd's
// CVE-2021-41103): not the unpacked layers, not a running container's root filesystem (its path is
// in /proc/self/mountinfo), not bundles, exit files or sockets; a setuid-root binary shipped in an
// image cannot be run from the host by them. Containers running as a non-root user still reach
// their files, /etc/hosts, /etc/resolv.conf, /dev/shm and bind mounts (through their own mount
// namespace). State left open by an older version is closed at the next start, by the daemon and
// by the CLI. The unprivileged user is `nobody` with no supplementary groups (setpriv).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli, TestDaemon } from '../helpers/daemon.js';
import { containerEnv, createContainer, runPod, waitExited, type ContainerEnv } from '../helpers/container-env.js';
import { BUSYBOX } from '../fixtures/busybox.js';
import { buildLayer } from '../fixtures/tar-layer.js';

const SETPRIV = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];
/** The system python (a pyenv shim under /root would be out of nobody's reach). */
const PYTHON = '/usr/bin/python3';

let env: ContainerEnv;
let podId = '';
/** A running container of the setuid image: its root filesystem is mounted. */
let runningId = '';
const hostDirs: string[] = [];

before(async () => {
  // A copy of busybox, setuid root, in its own directory of an image layer.
  const suid = await buildLayer([
    { name: 'suid/', type: 'directory' },
    { name: 'suid/busybox', content: readFileSync(BUSYBOX), mode: 0o4755, uid: 0, gid: 0 },
  ]);
  env = await containerEnv({ images: { 'library/suidbb:latest': { layers: [suid] } } });
  // The test's temp base is 0700 (mkdtemp): open it as /var/lib and /run are, so that only the
  // runtime's own modes stand between other users and the state.
  chmodSync(env.d.dirs.base, 0o755);
  podId = (await runPod(env)).id;
  const c = await createContainer(env, podId, { command: ['sleep', '3600'], linux: { security_context: { run_as_user: { value: '1000' } } } }, `${env.reg.host}/library/suidbb:latest`);
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  runningId = c.id;
});

after(async () => {
  await env?.close();
  for (const d of hostDirs) rmSync(d, { recursive: true, force: true });
});

/** Every path under the roots, as root sees them (symlinks not followed, mounts entered). */
function walk(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out; // removed meanwhile, or not a directory root can list (nsfs)
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) walk(p, out);
  }
  return out;
}

/** The paths `nobody` can lstat (anything it can reach at all). */
function reachableByNobody(paths: string[], group = 'nogroup'): string[] {
  const script = 'import json,os,sys\nok=[]\nfor p in json.load(sys.stdin):\n  try:\n    os.lstat(p); ok.append(p)\n  except OSError: pass\nprint(json.dumps(ok))';
  const r = spawnSync('setpriv', ['--reuid=nobody', `--regid=${group}`, '--clear-groups', '--', PYTHON, '-c', script], { input: JSON.stringify(paths), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

function stateRoots(): string[] {
  return [env.d.dirs.root, env.d.dirs.runRoot];
}

/** The mounted root filesystem of the running container, as /proc/self/mountinfo shows it. */
function mountedRootfs(): string {
  const mp = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .find((m) => m.startsWith(env.d.dirs.root + '/') && m.includes(runningId) && m.endsWith('/rootfs'));
  assert.ok(mp, 'the running container has a rootfs mount');
  return mp;
}

/**
 * Runs `cmd` from a shell already running as nobody: setpriv itself looks the command up while it
 * still holds root's capabilities, which is no test of what nobody can do.
 */
function asNobody(cmd: string, args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync('setpriv', [...SETPRIV, '--', '/bin/busybox', 'sh', '-c', 'exec "$@"', 'sh', cmd, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** What an older version left: 0711 roots and state dirs, 0755 pod, log, netns and snapshot dirs. */
function openLikeOldVersion(): void {
  const { root, runRoot } = env.d.dirs;
  for (const d of [root, runRoot, join(root, 'snapshots'), join(root, 'snapshots', 'layers'), join(root, 'snapshots', 'active')]) chmodSync(d, 0o711);
  for (const d of readdirSync(join(root, 'snapshots', 'active'))) chmodSync(join(root, 'snapshots', 'active', d), 0o711);
  for (const d of ['pods', 'containers', 'content', 'images']) chmodSync(join(root, d), 0o755);
  for (const d of ['exits', 'netns', 'pods']) chmodSync(join(runRoot, d), 0o755);
}

function assertClosed(what: string): void {
  const paths = stateRoots().flatMap((r) => walk(r));
  assert.ok(paths.length > 500, `${what}: the walk found the layers (${paths.length} paths)`);
  assert.deepEqual(reachableByNobody(paths), [], what);
}

test('a container running as uid 1000 reaches its files, /etc/hosts, resolv.conf, /dev/shm and a bind mount', async () => {
  const host = mkdtempSync(join(tmpdir(), 'rktlet-state-mnt-'));
  hostDirs.push(host);
  chmodSync(host, 0o755);
  writeFileSync(join(host, 'data'), 'from the host\n', { mode: 0o644 });
  const script = [
    'id -u',
    'cat /data/data',
    'grep -c . /etc/hosts >/dev/null && echo hosts',
    'test -r /etc/resolv.conf && echo resolv',
    'cat /etc/hostname >/dev/null && echo hostname',
    'echo shm > /dev/shm/x && cat /dev/shm/x',
    'echo tmp > /tmp/x && cat /tmp/x',
    '/suid/busybox true && echo suid-in-container',
    'ls /bin/busybox',
  ].join('; ');
  const c = await createContainer(
    env,
    podId,
    {
      command: ['sh', '-c', script],
      mounts: [{ container_path: '/data', host_path: host, readonly: true }],
      linux: { security_context: { run_as_user: { value: '1000' }, run_as_group: { value: '1000' } } },
    },
    `${env.reg.host}/library/suidbb:latest`,
  );
  await env.d.client.runtime('StartContainer', { container_id: c.id });
  const s = await waitExited(env, c.id);
  const out = readFileSync(s.log_path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(3).join(' '));
  assert.equal(s.exit_code, 0, out.join('\n'));
  assert.deepEqual(out, ['1000', 'from the host', 'hosts', 'resolv', 'hostname', 'shm', 'tmp', 'suid-in-container', '/bin/busybox']);
  // ExecSync as the container's user (1000), into the running one too.
  const r = await env.d.client.runtime('ExecSync', { container_id: runningId, cmd: ['sh', '-c', 'id -u && ls /suid && cat /etc/hosts /etc/resolv.conf >/dev/null && echo ok'], timeout: '20' });
  assert.equal(Buffer.from(r.stdout).toString(), '1000\nbusybox\nok\n', Buffer.from(r.stderr).toString());
  await env.d.client.runtime('RemoveContainer', { container_id: c.id });
});

test('an unprivileged host user reaches nothing under the state root and the run root', () => {
  assertClosed('running daemon');
  // Not vacuous: root reaches the layers' setuid binary and the running container's rootfs.
  const suid = stateRoots()
    .flatMap((r) => walk(r))
    .filter((p) => p.endsWith('/suid/busybox'));
  assert.ok(suid.some((p) => p.includes('/snapshots/layers/')), 'the unpacked layer holds the binary');
  assert.equal(lstatSync(join(mountedRootfs(), 'suid', 'busybox')).mode & 0o7777, 0o4755);
});

test('a setuid binary from an image cannot be run by another user, from the layer or the mounted rootfs', () => {
  const layerCopy = walk(join(env.d.dirs.root, 'snapshots', 'layers')).find((p) => p.endsWith('/suid/busybox'));
  assert.ok(layerCopy);
  for (const p of [layerCopy, join(mountedRootfs(), 'suid', 'busybox')]) {
    const st = lstatSync(p);
    assert.equal(st.uid, 0, p);
    assert.equal(st.mode & 0o7777, 0o4755, p);
    const r = asNobody(p, ['true']);
    assert.notEqual(r.status, 0, `${p} ran as nobody`);
    assert.match(r.stderr, /Permission denied/, p);
  }
  // Nor write into the image's world-writable /tmp through the host path.
  const w = asNobody('/bin/busybox', ['touch', join(mountedRootfs(), 'tmp', 'from-host')]);
  assert.notEqual(w.status, 0);
});

test('state an older version left open is closed at start-up: daemon, CLI app verbs and CLI image verbs', async () => {
  const { root, runRoot, config } = env.d.dirs;
  openLikeOldVersion();
  // The set-up really is open: nobody reaches the setuid binary in the mounted rootfs.
  assert.ok(reachableByNobody([join(mountedRootfs(), 'suid', 'busybox')]).length === 1, 'old modes let nobody in');

  // The daemon restarts on the old state (its pods and containers keep running meanwhile).
  await env.d.stop();
  // A socket group: its members reach the socket, and nothing else.
  appendFileSync(config, '\n[grpc]\nsocket_group = "users"\n');
  env.d = await TestDaemon.start({ dirs: env.d.dirs });
  assertClosed('daemon restart');
  assert.equal(lstatSync(runRoot).mode & 0o7777, 0o710);
  const connect = 'import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint("connected")';
  const member = spawnSync('setpriv', ['--reuid=nobody', '--regid=users', '--clear-groups', '--', PYTHON, '-c', connect, env.d.dirs.socket], { encoding: 'utf8' });
  assert.equal(member.stdout.trim(), 'connected', member.stderr);
  const paths = stateRoots().flatMap((r) => walk(r));
  // The socket's directory is searchable by the group: its entries can be looked up, nothing below them.
  const byGroup = reachableByNobody(paths, 'users');
  assert.ok(byGroup.includes(env.d.dirs.socket));
  assert.deepEqual(
    byGroup.filter((p) => dirname(p) !== runRoot),
    [],
    'the socket group reaches no further than the socket directory',
  );
  const outsider = spawnSync('setpriv', [...SETPRIV, '--', PYTHON, '-c', connect, env.d.dirs.socket], { encoding: 'utf8' });
  assert.notEqual(outsider.status, 0, 'a user outside the socket group is kept out');
  const st = (await env.d.client.runtime('ContainerStatus', { container_id: runningId })).status;
  assert.equal(st?.state, 'CONTAINER_RUNNING');

  // The CLI opens the same state: each of its open paths closes it too.
  for (const verb of [['pods', '-q'], ['images', '-q']]) {
    openLikeOldVersion();
    const r = await runCli(['--root', root, '--run-root', runRoot, '--config', config, ...verb]);
    assert.equal(r.code, 0, r.stderr);
    assertClosed(`rktlet ${verb[0]}`);
  }
});
