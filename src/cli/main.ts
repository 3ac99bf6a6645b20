// The rktlet command: the daemon (`serve`) and daemonless verbs over the same state root.
import { Command, CommanderError } from 'commander';
import { addGlobalOptions } from './options.js';
import { registerServe } from './serve.js';
import { registerConfig } from './config-command.js';
import { registerImageCommands } from './image-commands.js';
import { registerContainerCommands } from './container-commands.js';
import { registerAppCommands } from './app-commands.js';
import { registerPodCommands } from './pod-commands.js';
import { registerExecCommand } from './exec-command.js';
import { packageVersion } from '../util/package-info.js';
import { RktletError } from '../errors/catalog.js';

const program = addGlobalOptions(new Command('rktlet'))
  .description('a pod-native, daemonless Kubernetes CRI runtime')
  .version(packageVersion, '-v, --version')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerConfig(program);
registerImageCommands(program);
registerContainerCommands(program);
registerAppCommands(program);
registerPodCommands(program);
registerExecCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`rktlet: ${msg}\n`);
  process.exit(err instanceof RktletError && err.code === 'CONFIG' ? 2 : 1);
}
