// The rktlet command: the daemon (`serve`) and daemonless verbs over the same state root.
import { Command, CommanderError } from 'commander';
import { addGlobalOptions } from './options.js';
import { commandWord } from './command-word.js';
import { packageVersion } from '../util/package-info.js';
import { RktletError } from '../errors/catalog.js';

type Register = (program: Command) => void;

// Each module registers its commands; only the one the command line names is loaded (its code is
// most of a start-up's cost), all of them for help, the version, or a word none knows.
const MODULES: { words: string[]; load: () => Promise<Register> }[] = [
  { words: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { words: ['config'], load: async () => (await import('./config-command.js')).registerConfig },
  { words: ['pull', 'images', 'rmi', 'image'], load: async () => (await import('./image-commands.js')).registerImageCommands },
  { words: ['ps', 'inspect', 'logs'], load: async () => (await import('./container-commands.js')).registerContainerCommands },
  { words: ['app'], load: async () => (await import('./app-commands.js')).registerAppCommands },
  { words: ['pods', 'pod'], load: async () => (await import('./pod-commands.js')).registerPodCommands },
  { words: ['exec'], load: async () => (await import('./exec-command.js')).registerExecCommand },
];

const program = addGlobalOptions(new Command('rktlet'))
  .description('a pod-native, daemonless Kubernetes CRI runtime')
  .version(packageVersion, '-v, --version')
  .showHelpAfterError()
  .exitOverride();

try {
  const word = commandWord(process.argv.slice(2));
  const one = MODULES.find((m) => word !== undefined && m.words.includes(word));
  for (const register of await Promise.all((one ? [one] : MODULES).map((m) => m.load()))) register(program);
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`rktlet: ${msg}\n`);
  process.exit(err instanceof RktletError && err.code === 'CONFIG' ? 2 : 1);
}
