// rktlet runs as root: it mounts, makes namespaces and cgroups, and its state is root's (mode 0700
// directories). Run by another user, the first readdir of the state root failed with a raw
// "EACCES … scandir"; every verb that touches the state now says plainly what is wrong first.
import { accessSync, constants, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { Config } from '../config/schema.js';
import { PermissionDeniedError } from '../errors/catalog.js';

function who(): string {
  const uid = process.geteuid?.() ?? -1;
  let name = '';
  try {
    name = userInfo().username;
  } catch {
    /* a uid without a passwd entry */
  }
  return name ? `user ${name} (uid ${uid})` : `uid ${uid}`;
}

/** The directory itself, or the nearest parent that exists (where it would be created). */
function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

/** The message for a process that cannot use the state roots. */
export function notRootMessage(config: Pick<Config, 'root' | 'run_root'>, detail: string): string {
  return (
    `rktlet must run as root: ${who()} ${detail}. ` +
    `Run it as root, or as a user with read and write access to the state roots ${config.root} and ${config.run_root}`
  );
}

/** Refuses, with a plain message, a non-root process that cannot read and write both state roots. */
export function checkStateAccess(config: Pick<Config, 'root' | 'run_root'>): void {
  if (process.geteuid?.() === 0) return;
  for (const dir of [config.root, config.run_root]) {
    const at = nearestExisting(dir);
    try {
      accessSync(at, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' ? 'permission denied' : (code ?? String(err));
      throw new PermissionDeniedError(notRootMessage(config, `cannot read and write ${at === dir ? dir : `${at} (to create ${dir})`}: ${why}`));
    }
  }
}
