// Options shared by every command: where the state lives and which config to read.
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { checkStateAccess } from './state-access.js';
import { configCacheDir } from '../config/validated-cache.js';
import type { Config } from '../config/schema.js';
import { closeStateDirs } from '../store/private-state.js';

export interface GlobalOptions {
  config?: string;
  root?: string;
  runRoot?: string;
  socket?: string;
  logLevel?: string;
}

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'config file (default /etc/rktlet/rktlet.toml when it exists; conf.d/*.toml beside it)')
    .option('--root <dir>', 'persistent state root (default /var/lib/rktlet)')
    .option('--run-root <dir>', 'volatile state root (default /run/rktlet)')
    .option('--socket <path>', 'CRI gRPC socket (default <run-root>/rktlet.sock)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace');
}

/** Flags override files: they become the last config layer. */
export function effectiveConfig(opts: GlobalOptions): LoadedConfig {
  const overrides: Record<string, unknown> = {};
  if (opts.root) overrides.root = opts.root;
  if (opts.runRoot) overrides.run_root = opts.runRoot;
  if (opts.socket) overrides.grpc = { socket: opts.socket };
  if (opts.logLevel) overrides.log = { level: opts.logLevel };
  // Root's verbs reuse the validation of an unchanged config (src/config/validated-cache.ts).
  return loadConfig({ file: opts.config, overrides, cacheDir: configCacheDir() });
}

/** The effective config of a command that uses the state roots: refused plainly when it cannot. */
export function stateConfig(opts: GlobalOptions): LoadedConfig {
  const loaded = effectiveConfig(opts);
  checkStateAccess(loaded.config);
  return loaded;
}

/**
 * The config of a verb that reads the state without opening the engine (ps, pods, images, inspect,
 * logs, app list): the roots are made and closed as every open makes and closes them.
 */
export async function readerConfig(cmd: Command): Promise<Config> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const { config } = stateConfig({ ...opts, logLevel: opts.logLevel ?? 'warn' });
  await closeStateDirs(config);
  return config;
}
