// Starts a real `bin/rktlet serve` process on its own socket and state roots, as the kubelet's
// node would run it, and gives tests a CRI client for it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../../src/client/cri-client.js';
import { packageRoot } from '../../src/util/package-info.js';

export const RKTLET_BIN = join(packageRoot, 'bin', 'rktlet');

/** A unique small number per test process, to derive bridge names, subnets and ports. */
export function runSlot(): number {
  return (process.pid % 200) + 20;
}

let daemonCounter = 0;

function ipv4(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** The IPv4 networks this host already uses (addresses and routes, every table), as [base, prefix]. */
export function hostIpv4Networks(): [number, number][] {
  const out = sh('ip', ['-4', '-o', 'addr', 'show']) + sh('ip', ['-4', 'route', 'show', 'table', 'all']);
  return [...out.matchAll(/\b(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?\b/g)].map((m) => [ipv4(m[1]!), Number(m[2] ?? 32)]);
}

/** Whether two CIDR networks share an address: the shorter prefix's network holds the other's base. */
export function cidrsOverlap(a: [number, number], b: [number, number]): boolean {
  const bits = Math.min(a[1], b[1]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((a[0] & mask) >>> 0) === ((b[0] & mask) >>> 0);
}

/**
 * A network of its own for each daemon started by this process: bridge name (≤ 15 chars),
 * a /25 subnet in 10.128.0.0/9 and CNI network name, from the pid and a per-process counter, so
 * two daemons in one test file (or two test processes) never share a bridge, subnet or host-local
 * store. A bridge name or subnet the host already has (a leftover, another test's bridge, the
 * host's own networks) is skipped.
 */
export function uniqueNetwork(): { bridge: string; subnet: string } {
  const used = hostIpv4Networks();
  for (;;) {
    const n = daemonCounter++;
    const u = (((process.pid & 0xfff) << 4) + n) & 0xffff; // 16 bits: 2^16 /25s in 10.128.0.0/9
    const subnet = `10.${128 + (u >> 9)}.${(u >> 1) & 0xff}.${(u & 1) * 128}`;
    const bridge = `rk${process.pid}x${n}`.slice(0, 15);
    const taken = existsSync(`/sys/class/net/${bridge}`) || used.some((net) => cidrsOverlap(net, [ipv4(subnet), 25]));
    if (!taken) return { bridge, subnet: `${subnet}/25` };
    if (n > 0xffff) throw new Error('no free /25 in 10.128.0.0/9 for a test network');
  }
}

export interface DaemonOptions {
  /** Extra TOML appended to the generated config, right after its [network] table. */
  configToml?: string;
  /** Reuse the state of an earlier daemon (restart tests). */
  dirs?: DaemonDirs;
  /** Skip the generated config file entirely (embedded defaults + flags only). */
  noConfigFile?: boolean;
  extraArgs?: string[];
  /** A command line the daemon runs under (`setpriv --bounding-set=-sys_admin …`). */
  wrapper?: string[];
  /** Added to the daemon's environment (NOTIFY_SOCKET…). */
  env?: NodeJS.ProcessEnv;
  /** Return once spawned, before Version answers (the caller waits in its own way). */
  noWait?: boolean;
  /** Options for node itself (`--inspect=127.0.0.1:0` lets a test force a GC: inspector.ts). */
  nodeArgs?: string[];
}

export interface DaemonDirs {
  base: string;
  root: string;
  runRoot: string;
  socket: string;
  cniConfDir: string;
  config: string;
  /** The default CNI bridge of this daemon's generated config (deleted by destroy()). */
  bridge?: string;
  /** The subnet of that default network (pod IPs come from it). */
  subnet?: string;
}

export function makeDirs(prefix = 'rktlet-test-'): DaemonDirs {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const d = {
    base,
    root: join(base, 'root'),
    runRoot: join(base, 'run'),
    socket: join(base, 'run', 'rktlet.sock'),
    cniConfDir: join(base, 'cni'),
    config: join(base, 'rktlet.toml'),
  };
  mkdirSync(d.cniConfDir);
  return d;
}

export class TestDaemon {
  readonly client: CriClient;
  stderr = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly dirs: DaemonDirs,
    readonly proc: ChildProcess,
  ) {
    this.client = new CriClient(dirs.socket);
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.stderr?.on('data', (b: Buffer) => {
      this.stderr += b.toString();
    });
  }

  static async start(opts: DaemonOptions = {}): Promise<TestDaemon> {
    const dirs = opts.dirs ?? makeDirs();
    if (!opts.noConfigFile && !opts.dirs) {
      const net = uniqueNetwork();
      dirs.bridge = net.bridge;
      dirs.subnet = net.subnet;
      writeFileSync(
        dirs.config,
        [
          '[log]',
          'level = "debug"',
          '[network]',
          `conf_dir = "${dirs.cniConfDir}"`,
          `default_bridge = "${net.bridge}"`,
          `default_subnet = "${net.subnet}"`,
          withOwnPolicy(opts.configToml ?? '', join(dirs.config, '..', 'policy.json')),
        ].join('\n'),
      );
    }
    const args = ['serve', '--root', dirs.root, '--run-root', dirs.runRoot, '--socket', dirs.socket];
    if (!opts.noConfigFile) args.push('--config', dirs.config);
    args.push(...(opts.extraArgs ?? []));
    const argv = [...(opts.wrapper ?? []), process.execPath, ...(opts.nodeArgs ?? []), RKTLET_BIN, ...args];
    const spawnedAt = Date.now();
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    const d = new TestDaemon(dirs, proc);
    if (!opts.noWait) await d.waitReady(20_000, spawnedAt);
    return d;
  }

  /** Waits until Version answers over the socket (or the process dies). */
  async waitReady(timeoutMs = 20_000, spawnedAt = 0): Promise<void> {
    const until = Date.now() + timeoutMs;
    let dead = false;
    void this.exited.then(() => (dead = true));
    // The (new) socket file first: a gRPC call before it exists (or to the one a killed daemon
    // left) fails, and the channel then waits out its reconnect backoff (a second or more) even
    // once the daemon listens.
    const fresh = () => {
      const st = statSync(this.dirs.socket, { throwIfNoEntry: false });
      // (Made since the spawn: the kernel's coarse clock may lag Date.now() by a few ms.)
      return !!st && st.ctimeMs >= spawnedAt - 50;
    };
    while (Date.now() < until && !dead && !fresh()) await sleep(20);
    while (Date.now() < until) {
      if (dead) throw new Error(`rktlet exited during start-up:\n${this.stderr}`);
      try {
        await this.client.runtime('Version', {}, { timeoutMs: 1000 });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`rktlet did not become ready in ${timeoutMs} ms:\n${this.stderr}`);
  }

  /** Sends a signal and waits for the process to exit; returns its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.client.close();
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }

  /**
   * Removes every pod through the daemon (CNI DEL: iptables rules and IPs go), kills what is left
   * of its containers, unmounts everything under its dirs, deletes its bridge and its state.
   */
  async destroy(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        const pods = await this.client.runtime('ListPodSandbox', {}, { timeoutMs: 10_000 });
        await Promise.all(pods.items.map((p) => this.client.runtime('RemovePodSandbox', { pod_sandbox_id: p.id }, { timeoutMs: 60_000 }).catch(() => undefined)));
      } catch {
        // the daemon may not serve pods (or not at all): the host clean-up below still runs
      }
    }
    await this.stop('SIGKILL');
    cleanupHost(this.dirs);
  }
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

/**
 * Deletes the nat rules the CNI plugins made for one network (their comments name it; each test
 * daemon's network name is its own bridge name), then the per-pod chains they leave empty. Only
 * needed when pods could not be removed through the daemon (it was killed for good).
 */
export function removeNatRulesOf(network: string): void {
  const lines = sh('iptables-save', ['-t', 'nat']).split('\n');
  const mine = lines.filter((l) => l.startsWith('-A ') && l.includes(`"${network}\\"`));
  const chains = new Set<string>();
  for (const l of mine) {
    const target = /-j (CNI-(?:DN-)?[0-9a-f]{20,})\b/.exec(l)?.[1];
    if (target) chains.add(target);
    spawnSync('sh', ['-c', `iptables -t nat ${l.replace(/^-A /, '-D ')}`]);
  }
  for (const c of chains) {
    spawnSync('iptables', ['-t', 'nat', '-F', c]);
    spawnSync('iptables', ['-t', 'nat', '-X', c]);
  }
}

/** Best-effort removal of everything a daemon left on the host, then its temp dirs. */
export function cleanupHost(dirs: DaemonDirs): void {
  for (const [handler, bin] of [['runc', '/usr/sbin/runc'], ['crun', '/usr/bin/crun'], ['host', '/usr/sbin/runc']] as const) {
    for (const root of [join(dirs.runRoot, 'oci', handler), join(dirs.runRoot, handler)]) {
      if (!existsSync(root)) continue;
      for (const id of sh(bin, ['--root', root, 'list', '-q']).split('\n').filter((x) => x)) {
        spawnSync(bin, ['--root', root, 'delete', '--force', id]);
      }
    }
  }
  // Pod cgroups rktlet made up under the default parent (runc removed the containers' own).
  const podsDir = join(dirs.root, 'pods');
  const podIds = existsSync(podsDir) ? readdirSync(podsDir).filter((n) => /^[0-9a-f]{64}$/.test(n)) : [];
  for (const ctl of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    for (const id of podIds) {
      const pod = join('/sys/fs/cgroup', ctl, 'rktlet', `pod-${id}`);
      if (!existsSync(pod)) continue;
      for (const child of readdirSync(pod, { withFileTypes: true })) if (child.isDirectory()) spawnSync('rmdir', [join(pod, child.name)]);
      spawnSync('rmdir', [pod]);
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dirs.base || m.startsWith(dirs.base + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  if (dirs.bridge) removeNatRulesOf(dirs.bridge);
  if (dirs.bridge && existsSync(`/sys/class/net/${dirs.bridge}`)) spawnSync('ip', ['link', 'del', dirs.bridge]);
  rmSync(dirs.base, { recursive: true, force: true });
}

/**
 * Runs the CLI to completion; resolves with its exit code and output. `wrapper` is a command line
 * the CLI runs under (`setpriv --reuid=nobody …`).
 */
export function runCli(args: string[], wrapper: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const argv = [...wrapper, process.execPath, RKTLET_BIN, ...args];
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The daemon's trust policy in its own directory, not the host's /etc/rktlet/policy.json (which a
 * daemon writes at first start): a test must neither change the host nor depend on the policy an
 * operator keeps there. A test that names its own policy keeps it.
 */
function withOwnPolicy(toml: string, file: string): string {
  if (/^\s*signature_policy\s*=/m.test(toml)) return toml;
  const line = `signature_policy = ${JSON.stringify(file)}`;
  if (/^\[image\]\s*$/m.test(toml)) return toml.replace(/^\[image\]\s*$/m, `[image]\n${line}`);
  return `${toml}\n[image]\n${line}\n`;
}
