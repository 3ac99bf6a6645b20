// The two runtimes under test, each started for the run only on private dirs and sockets:
// containerd (Debian's 1.6, CRI plugin) and rktlet (bin/rktlet serve).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'smol-toml';
import { CriClient } from '../../src/client/cri-client.js';
import { packageRoot } from '../../src/util/package-info.js';
import { DaemonProcess, waitForPath } from './daemon-process.js';
import { renderContainerdConfig, renderBridgeConflist, type ContainerdPaths, type BridgeNetwork } from './containerd-config.js';
import type { RuntimeName } from './report.js';

export interface RuntimeSetup {
  /** The runtime's private directory; every path it uses is below it. */
  dir: string;
  registryHost: string;
  network: BridgeNetwork;
  logLevel: string;
  /**
   * rktlet serves its Prometheus metrics here (127.0.0.1), for the event-loop delay figures. Only
   * the kubelet scenario turns it on (setMetricsPort), so other rows measure the default daemon.
   */
  metricsPort?: number;
  /** Extra node flags for the rktlet daemon (BENCH_RKTLET_NODE_ARGS, e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export abstract class BenchRuntime {
  abstract readonly name: RuntimeName;
  abstract readonly socket: string;
  daemon: DaemonProcess | undefined;
  private cri: CriClient | undefined;
  /** Daemon starts, for the log file name. */
  private starts = 0;

  constructor(readonly setup: RuntimeSetup) {}

  get dir(): string {
    return this.setup.dir;
  }

  get client(): CriClient {
    if (!this.cri) throw new Error(`${this.name} is not running`);
    return this.cri;
  }

  get running(): boolean {
    return this.daemon?.running ?? false;
  }

  protected abstract command(): { cmd: string; args: string[] };

  /** Starts the daemon and resolves once a CRI call answers over its socket. */
  async start(timeoutMs = 60_000): Promise<void> {
    const { cmd, args } = this.command();
    this.starts++;
    const d = DaemonProcess.start(this.name, cmd, args, join(this.dir, `daemon-${this.starts}.log`));
    this.daemon = d;
    await waitForPath(this.socket, timeoutMs, () => d.running);
    const until = Date.now() + timeoutMs;
    for (;;) {
      // A fresh channel per attempt: gRPC's reconnect backoff would otherwise add up to seconds.
      const c = new CriClient(this.socket);
      try {
        await c.runtime('Version', {}, { timeoutMs: 2000 });
        this.cri = c;
        return;
      } catch (err) {
        c.close();
        if (!d.running) throw new Error(`${this.name} exited during start-up; see ${d.logFile}`, { cause: err });
        if (Date.now() > until) throw new Error(`${this.name} did not answer in ${timeoutMs} ms; see ${d.logFile}`, { cause: err });
        await sleep(5);
      }
    }
  }

  /** Stops the daemon (SIGTERM); pods and containers keep running in both runtimes. */
  async stop(): Promise<void> {
    this.cri?.close();
    this.cri = undefined;
    await this.daemon?.stop();
  }
}

export class ContainerdRuntime extends BenchRuntime {
  readonly name = 'containerd' as const;
  readonly paths: ContainerdPaths;
  readonly config: string;

  constructor(
    setup: RuntimeSetup,
    readonly sandboxImage: string,
    readonly bin = '/usr/bin/containerd',
  ) {
    super(setup);
    const d = setup.dir;
    this.paths = {
      root: join(d, 'root'),
      state: join(d, 'state'),
      socket: join(d, 'containerd.sock'),
      runcRoot: join(d, 'runc'),
      cniConfDir: join(d, 'cni'),
      optDir: join(d, 'opt'),
    };
    this.config = join(d, 'config.toml');
    for (const p of [this.paths.root, this.paths.state, this.paths.runcRoot, this.paths.cniConfDir, this.paths.optDir]) mkdirSync(p, { recursive: true });
    writeFileSync(
      this.config,
      renderContainerdConfig({
        paths: this.paths,
        runcPath: '/usr/sbin/runc',
        cniBinDir: '/usr/lib/cni',
        registryHost: setup.registryHost,
        sandboxImage,
        logLevel: setup.logLevel,
      }),
    );
    writeFileSync(join(this.paths.cniConfDir, '10-bench.conflist'), renderBridgeConflist({ ...setup.network, dataDir: join(d, 'ipam') }));
  }

  get socket(): string {
    return this.paths.socket;
  }

  protected command(): { cmd: string; args: string[] } {
    return { cmd: this.bin, args: ['--config', this.config] };
  }
}

export class RktletRuntime extends BenchRuntime {
  readonly name = 'rktlet' as const;
  readonly root: string;
  readonly runRoot: string;
  readonly config: string;
  readonly cniConfDir: string;
  readonly socketPath: string;

  constructor(setup: RuntimeSetup) {
    super(setup);
    const d = setup.dir;
    this.root = join(d, 'root');
    this.runRoot = join(d, 'run');
    this.socketPath = join(d, 'run', 'rktlet.sock');
    this.cniConfDir = join(d, 'cni');
    this.config = join(d, 'rktlet.toml');
    mkdirSync(this.cniConfDir, { recursive: true });
    this.writeConfig();
    // The conf dir is left empty: rktlet writes its default network there (bridge and subnet
    // from the config above); containerd gets the same shape.
  }

  private writeConfig(): void {
    const setup = this.setup;
    const mirror = [`http://${setup.registryHost}`];
    writeFileSync(
      this.config,
      stringify({
        log: { level: setup.logLevel },
        network: { conf_dir: this.cniConfDir, default_bridge: setup.network.bridge, default_subnet: setup.network.subnet },
        image: { insecure_registries: [setup.registryHost], mirrors: { 'docker.io': mirror } },
        ...(setup.metricsPort ? { metrics: { address: `127.0.0.1:${setup.metricsPort}` } } : {}),
      }),
    );
  }

  /** Serves metrics on `port` (or stops serving them) from the next start. */
  setMetricsPort(port: number | undefined): void {
    if (port === undefined) delete this.setup.metricsPort;
    else this.setup.metricsPort = port;
    this.writeConfig();
  }

  get socket(): string {
    return this.socketPath;
  }

  /** The daemon's Prometheus endpoint, when the run gave it a port. */
  get metricsUrl(): string | undefined {
    return this.setup.metricsPort ? `http://127.0.0.1:${this.setup.metricsPort}/metrics` : undefined;
  }

  protected command(): { cmd: string; args: string[] } {
    const bin = join(packageRoot, 'bin', 'rktlet');
    return {
      cmd: process.execPath,
      args: [...(this.setup.nodeArgs ?? []), bin, 'serve', '--root', this.root, '--run-root', this.runRoot, '--socket', this.socketPath, '--config', this.config],
    };
  }
}
