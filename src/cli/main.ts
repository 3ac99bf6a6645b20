// The rktlet command: the daemon (`serve`) and daemonless verbs over the same state root.
import { Command, CommanderError } from 'commander';
import { addGlobalOptions } from './options.js';
import { commandWord } from './command-word.js';
import { packageVersion } from '../util/package-info.js';
import { RktletError } from '../errors/catalog.js';

type Register = (program: Command) => void;

/**
 * A system call refused for lack of privilege that got past the up-front check (a 0700 directory
 * inside a state root the user may otherwise use): said plainly, not as "EACCES … scandir".
 */
function deniedMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || (e.code !== 'EACCES' && e.code !== 'EPERM') || !e.syscall) return undefined;
  const uid = process.geteuid?.() ?? -1;
  const what = `permission denied (${e.syscall}${e.path ? ` ${e.path}` : ''})`;
  return uid === 0 ? what : `rktlet must run as root: uid ${uid} got ${what}. Run it as root, or as a user with read and write access to the state roots`;
}

// Each module registers its commands; only the one the command line names is loaded (its code is
// most of a start-up's cost), all of them for help, the version, or a word none knows.
const MODULES: { words: string[]; load: () => Promise<Register> }[] = [
  { words: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { words: ['config'], load: async () => (await import('./config-command.js')).registerConfig },
  { words: ['pull', 'images', 'rmi', 'image'], load: async () => (await import('./image-commands.js')).registerImageCommands },
  { words: ['ps', 'inspect', 'logs'], load: async () => (await import('./container-commands.js')).registerContainerCommands },
  { words: ['app'], load: async () => (await import('./app-commands.js')).registerAppCommands },
  { words: ['pods', 'pod'], load: async () => (await import('./pod-commands.js')).registerPodCommands },
  { words: ['trust'], load: async () => (await import('./trust-commands.js')).registerTrustCommands },
  { words: ['exec'], load: async () => (await import('./exec-command.js')).registerExecCommand },
  { words: ['doctor'], load: async () => (await import('./doctor-command.js')).registerDoctor },
];

const program = addGlobalOptions(new Command('rktlet'))
  .description('a pod-native, daemonless Kubernetes CRI runtime')
  .version(packageVersion, '-v, --version')
  .showHelpAfterError()
  .exitOverride();

try {
  const args = process.argv.slice(2);
  const word = commandWord(args);
  const one = MODULES.find((m) => word !== undefined && m.words.includes(word));
  // The version alone needs no command (loading them all was ~250 ms of `rktlet --version`).
  const versionOnly = word === undefined && args.some((a) => a === '-v' || a === '--version') && !args.some((a) => a === '-h' || a === '--help');
  for (const register of await Promise.all((one ? [one] : versionOnly ? [] : MODULES).map((m) => m.load()))) register(program);
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const msg = deniedMessage(err) ?? (err instanceof Error ? err.message : String(err));
  process.stderr.write(`rktlet: ${msg}\n`);
  process.exit(err instanceof RktletError && err.code === 'CONFIG' ? 2 : 1);
}
