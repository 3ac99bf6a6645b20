// Reading a cgroup file that may not exist (a controller not enabled, an old kernel, a cgroup
// just removed): undefined instead of an error, so a sample carries what the host offers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function readOptional(dir: string | undefined, name: string): Promise<string | undefined> {
  if (!dir) return undefined;
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}
