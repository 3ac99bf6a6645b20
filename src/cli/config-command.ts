// `rktlet config`: the effective configuration as TOML (defaults, files, flags merged).
import type { Command } from 'commander';
import { effectiveConfig, type GlobalOptions } from './options.js';
import { configToToml, defaultConfig } from '../config/load.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration as TOML')
    .option('--defaults', 'print the built-in defaults, ignoring files and flags')
    .action((o: { defaults?: boolean }, cmd: Command) => {
      const config = o.defaults ? defaultConfig() : effectiveConfig(cmd.optsWithGlobals<GlobalOptions>()).config;
      process.stdout.write(configToToml(config) + '\n');
    });
}
