// Where a runtime handler keeps its own state (the runtime's `--root`): the one place that decides
// it. Config loading fills `runtime.handlers.<name>.root` with it, the runtimes registry hands it
// to the handler's implementation, and nothing else computes it.
import { join } from 'node:path';

/** The handler's `root` when set, else <run_root>/oci/<handler name>. */
export function handlerRoot(runRoot: string, name: string, handler: { root: string }): string {
  return handler.root || join(runRoot, 'oci', name);
}
