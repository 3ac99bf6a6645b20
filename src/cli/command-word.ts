// Which command a command line runs, before commander parses it: main.ts loads only that command's
// module (the daemon does not load the CLI verbs' code, and a CLI verb not the daemon's).

/** Global options that take a value (`--root DIR` or `--root=DIR`). */
export const GLOBAL_VALUE_OPTIONS = ['--config', '--root', '--run-root', '--socket', '--log-level'] as const;

/**
 * The first word of `args` (argv without node and the script) that is not a global option or its
 * value; undefined when there is none, or when help or the version is asked for before it (then
 * every command must be known).
 */
export function commandWord(args: readonly string[], valueOptions: readonly string[] = GLOBAL_VALUE_OPTIONS): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    if (a === '-h' || a === '--help' || a === '-v' || a === '--version') return undefined;
    if (valueOptions.includes(a)) i++; // its value is the next word
  }
  return undefined;
}
