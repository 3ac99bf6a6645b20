// Starts a real `bin/rktlet serve` process on its own socket and state roots, as the kubelet's
// node would run it, and gives tests a CRI client for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
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

export interface DaemonOptions {
  /** Extra TOML appended to the generated config, right after its [network] table. */
  configToml?: string;
  /** Reuse the state of an earlier daemon (restart tests). */
  dirs?: DaemonDirs;
  /** Skip the generated config file entirely (embedded defaults + flags only). */
  noConfigFile?: boolean;
  extraArgs?: string[];
}

export interface DaemonDirs {
  base: string;
  root: string;
  runRoot: string;
  socket: string;
  cniConfDir: string;
  config: string;
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
    const slot = runSlot();
    if (!opts.noConfigFile && !opts.dirs) {
      writeFileSync(
        dirs.config,
        [
          '[log]',
          'level = "debug"',
          '[network]',
          `conf_dir = "${dirs.cniConfDir}"`,
          `default_bridge = "rkt${slot}"`,
          `default_subnet = "10.${slot}.0.0/16"`,
          opts.configToml ?? '',
        ].join('\n'),
      );
    }
    const args = ['serve', '--root', dirs.root, '--run-root', dirs.runRoot, '--socket', dirs.socket];
    if (!opts.noConfigFile) args.push('--config', dirs.config);
    args.push(...(opts.extraArgs ?? []));
    const proc = spawn(process.execPath, [RKTLET_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const d = new TestDaemon(dirs, proc);
    await d.waitReady();
    return d;
  }

  /** Waits until Version answers over the socket (or the process dies). */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let dead = false;
    void this.exited.then(() => (dead = true));
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

  /** Stops the daemon and deletes its state (the test's own temp dirs only). */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dirs.base, { recursive: true, force: true });
  }
}

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [RKTLET_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
