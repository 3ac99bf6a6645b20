// What of the systemd integration can run on a host without systemd: the driver choice against a
// /run/systemd/system made (or hidden) in a private mount namespace, and Type=notify readiness
// against a datagram socket this test binds (a python3 receiver: Node.js has no unix datagrams).
// And the unit file, through systemd-analyze verify. Not here: a real systemd reading the
// notifications, the conmon scopes (systemd-run needs a bus), the unit running under systemd.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { RKTLET_BIN, TestDaemon } from '../helpers/daemon.js';

const daemons: TestDaemon[] = [];
const cleanups: (() => void)[] = [];
after(async () => {
  for (const d of daemons) await d.destroy();
  for (const c of cleanups) c();
});

async function start(opts: Parameters<typeof TestDaemon.start>[0] = {}) {
  const d = await TestDaemon.start(opts);
  daemons.push(d);
  return d;
}

/** Runs the daemon where /run/systemd is a fresh tmpfs, with (booted) or without the system dir. */
function fakeSystemd(booted: boolean): string[] {
  const script = `mount -t tmpfs -o size=1m rktlet-test /run/systemd${booted ? ' && mkdir /run/systemd/system' : ''} && exec "$@"`;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh'];
}

test('the auto driver is systemd exactly when /run/systemd/system exists; RuntimeConfig says the driver in effect', async () => {
  const driver = async (opts: Parameters<typeof TestDaemon.start>[0]) => {
    const d = await start(opts);
    return (await d.client.runtime('RuntimeConfig', {})).linux?.cgroup_driver;
  };
  assert.equal(await driver({ wrapper: fakeSystemd(true) }), 'SYSTEMD');
  assert.equal(await driver({ wrapper: fakeSystemd(false) }), 'CGROUPFS');
  assert.equal(await driver({ wrapper: fakeSystemd(true), configToml: '[runtime]\ncgroup_driver = "auto"\n' }), 'SYSTEMD');
  // Explicit choices stand either way.
  assert.equal(await driver({ wrapper: fakeSystemd(true), configToml: '[runtime]\ncgroup_driver = "cgroupfs"\n' }), 'CGROUPFS');
  assert.equal(await driver({ wrapper: fakeSystemd(false), configToml: '[runtime]\ncgroup_driver = "systemd"\n' }), 'SYSTEMD');
});

// Prints each datagram it receives on a line; "bound" first, once the socket exists.
const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(s.recv(4096).decode(), flush=True)
`;

class Receiver {
  readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly proc: ChildProcessByStdio<null, Readable, null>) {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      this.lines.push(l);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async bind(path: string): Promise<Receiver> {
    const proc = spawn('/usr/bin/python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => proc.kill('SIGKILL'));
    const r = new Receiver(proc);
    await r.waitFor('bound', 30_000);
    return r;
  }

  async waitFor(line: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no "${line}" within ${timeoutMs} ms; received: ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

test('Type=notify: READY=1 arrives once the CRI socket answers, STOPPING=1 when the daemon stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-notify-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'notify.sock');
  const rx = await Receiver.bind(socket);
  const d = await start({ env: { NOTIFY_SOCKET: socket }, noWait: true });
  await rx.waitFor('READY=1', 60_000);
  // Once, no retry: READY=1 promised that the socket serves.
  const v = await d.client.runtime('Version', {}, { timeoutMs: 10_000 });
  assert.equal(v.runtime_name, 'rktlet');
  assert.deepEqual(rx.lines, ['bound', 'READY=1'], 'nothing before READY=1, nor twice');
  assert.match(d.stderr, /rktlet is serving/);
  // The runtimes and helpers the daemon starts do not inherit NOTIFY_SOCKET (runc would act on it).
  const helperEnv = await childEnvironments(d.proc.pid!);
  assert.ok(helperEnv.length >= 2, `the daemon's helpers were found: ${helperEnv.length}`);
  assert.equal(helperEnv.filter((e) => e.includes('NOTIFY_SOCKET=')).length, 1, 'only the sd_notify helper has it');
  assert.equal(await d.stop('SIGTERM'), 0);
  await rx.waitFor('STOPPING=1', 30_000);
  assert.deepEqual(rx.lines, ['bound', 'READY=1', 'STOPPING=1']);
});

test('without NOTIFY_SOCKET nothing is sent and no helper starts; a socket nobody reads does not stop the daemon', async () => {
  const d = await start();
  assert.equal((await childEnvironments(d.proc.pid!)).filter((e) => e.includes('NOTIFY_SOCKET=')).length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-notify-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const lost = await start({ env: { NOTIFY_SOCKET: join(dir, 'nobody.sock') } });
  assert.equal((await lost.client.runtime('Version', {})).runtime_name, 'rktlet');
  await waitUntil(() => /could not tell systemd that rktlet is ready/.test(lost.stderr), 30_000);
});

/** The environments of a process's children (NUL-separated /proc/<pid>/environ). */
async function childEnvironments(pid: number): Promise<string[]> {
  const { readFile, readdir } = await import('node:fs/promises');
  const out: string[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== pid) continue;
    out.push((await readFile(`/proc/${p}/environ`, 'utf8').catch(() => '')).split('\0').join('\n'));
  }
  return out;
}

async function waitUntil(ok: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// systemd-analyze (package systemd, installed though systemd is not init) parses a unit file as
// systemd would; it says nothing about a good one and warns about each bad line.
test('contrib/systemd/rktlet.service: systemd-analyze verify finds nothing to say; the keys pods depend on are there', { skip: !hasCommand('systemd-analyze') }, () => {
  const text = readFileSync(UNIT_FILE, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'rktlet-unit-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // Verify checks ExecStart is executable: point it at this checkout's bin/rktlet.
  const unit = join(dir, 'rktlet.service');
  writeFileSync(unit, text.replace(/^ExecStart=\/usr\/local\/bin\/rktlet /m, `ExecStart=${RKTLET_BIN} `));
  const ok = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr + ok.stdout, '', 'no warnings');
  // The control: a misspelt key is reported.
  writeFileSync(unit, text.replace('KillMode=process', 'KilMode=process').replace(/^ExecStart=\/usr\/local\/bin\/rktlet /m, `ExecStart=${RKTLET_BIN} `));
  assert.match(spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 60_000 }).stderr, /Unknown key 'KilMode'/);
  const keys = new Map(text.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.equal(keys.get('Type'), 'notify');
  assert.equal(keys.get('NotifyAccess'), 'all', 'READY=1 comes from a helper, not the main pid');
  assert.equal(keys.get('KillMode'), 'process', 'pods survive a daemon restart');
  assert.equal(keys.get('Delegate'), 'yes');
  assert.equal(keys.get('ExecStart'), '/usr/local/bin/rktlet serve');
  assert.ok(Number(keys.get('LimitNOFILE')) >= 65536);
});

const UNIT_FILE = join(packageRootDir(), 'contrib', 'systemd', 'rktlet.service');

function packageRootDir(): string {
  return join(RKTLET_BIN, '..', '..');
}

function hasCommand(cmd: string): boolean {
  return spawnSync(cmd, ['--version']).status === 0;
}

// Where systemd is not running, the systemd driver cannot place a pod: it is refused before anything
// runs (else systemd-run fails deep in the infra's creation, as UNKNOWN), the daemon stays up, nothing is left.
test('the systemd driver without a running systemd: RunPodSandbox is refused as FAILED_PRECONDITION naming why, nothing is left', { skip: existsSync('/run/systemd/system') }, async () => {
  const d = await start({ configToml: '[runtime]\ncgroup_driver = "systemd"\n[pod]\ndrop_infra = false\n' });
  const config = {
    metadata: { name: 'sd', namespace: 'systemd-host', uid: 'uid-sd', attempt: 1 },
    linux: { cgroup_parent: 'kubepods-burstable-poduid_sd.slice' },
  };
  await assert.rejects(d.client.runtime('RunPodSandbox', { config }, { timeoutMs: 120_000 }), (err: Error & { code?: number }) => {
    assert.equal(err.code, 9, `FAILED_PRECONDITION: ${err.message}`);
    assert.match(err.message, /cgroup_driver is "systemd" but systemd is not PID 1/);
    return true;
  });
  assert.deepEqual((await d.client.runtime('ListPodSandbox', {})).items, []);
  // A slice name systemd would refuse is refused before anything runs, as INVALID_ARGUMENT.
  await assert.rejects(
    d.client.runtime('RunPodSandbox', { config: { ...config, linux: { cgroup_parent: 'kubepods--bad.slice' } } }),
    (err: Error & { code?: number }) => err.code === 3 && /not a valid systemd slice name/.test(err.message),
  );
});
