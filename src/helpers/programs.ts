// Where the python3 helper programs are: the build copies src/helpers/*.py beside this module's
// output, so the daemon runs the files that are linted and unit-tested (npm run lint, python.test).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const HELPERS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The path of a helper program (e.g. 'command_helper.py'). */
export function helperFile(name: string): string {
  return join(HELPERS_DIR, name);
}

/**
 * A `python3 -c` program that runs a helper module's main(argv) with the arguments after it and
 * exits with what it returns. The helpers' folder replaces the current directory on sys.path, so
 * `import framing` finds ours wherever the daemon was started.
 */
export function pythonProgram(module: string): string {
  return `import sys; sys.path[:] = [${JSON.stringify(HELPERS_DIR)}] + [p for p in sys.path if p]; from ${module} import main; sys.exit(main(sys.argv[1:]))`;
}
