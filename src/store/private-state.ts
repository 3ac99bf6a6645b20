// Other host users must reach nothing under the state root and the run root. They hold image files
// (setuid-root binaries, world-writable tmp/ dirs) and container root filesystems, which a local
// user could otherwise run or write through the host path (containerd's CVE-2021-41103). Both roots
// and every directory directly in them are 0700: a closed parent closes everything below, whatever
// modes the image's own directories have. Containers are not affected: their processes reach the
// root filesystem and bind mounts through their own mount namespace, set up by the root-owned
// runtime, never through these host paths.
//
// The one way kept open is the way to the CRI socket, when it lives under a root: its directories
// get the search bit for the group (owned by grpc.socket_group) or for others as far as
// grpc.socket_mode grants them the socket. Run at every open (daemon and CLI), so state made by
// older versions (0711 and 0755 directories) is closed at start-up.
import { chmod, chown, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Config } from '../config/schema.js';
import { isErrno } from '../errors/catalog.js';
import { getgrnam } from '../util/users.js';

export const PRIVATE_DIR_MODE = 0o700;

/** The mode of the directories on the way to the socket: search for whom the socket mode lets in. */
export function socketWayMode(socketMode: string): number {
  const m = parseInt(socketMode, 8);
  return PRIVATE_DIR_MODE | (m & 0o070 ? 0o010 : 0) | (m & 0o007 ? 0o001 : 0);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!!rel && rel !== '..' && !rel.startsWith('..' + sep) && !rel.startsWith(sep));
}

/** The directories from a root (included) down to the socket's directory, for each root holding it. */
export function socketWay(roots: string[], socket: string): string[] {
  const out: string[] = [];
  for (let d = dirname(socket); ; d = dirname(d)) {
    if (roots.some((r) => isInside(r, d))) out.push(d);
    if (dirname(d) === d) break;
  }
  return out.reverse();
}

/**
 * Sets the mode (and group) of a directory we own; symlinks and other files are left alone, except
 * that a root may be a symlink to its real place (another disk), which is followed.
 */
async function restrict(path: string, mode: number, gid?: number, follow = false): Promise<void> {
  let st;
  try {
    st = follow ? await stat(path) : await lstat(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return; // removed meanwhile (another process's temp dir)
    throw err;
  }
  if (!st.isDirectory()) return;
  if ((st.mode & 0o7777) !== mode) await chmod(path, mode);
  if (gid !== undefined && st.gid !== gid) await chown(path, st.uid, gid);
}

/** Creates the state and run roots and closes them (and what older versions left open) to other users. */
export async function closeStateDirs(config: Pick<Config, 'root' | 'run_root' | 'grpc'>): Promise<void> {
  const roots = [config.root, config.run_root];
  for (const r of roots) await mkdir(r, { recursive: true, mode: PRIVATE_DIR_MODE });
  const way = new Set(socketWay(roots, config.grpc.socket));
  const wayMode = socketWayMode(config.grpc.socket_mode);
  const wayGid = config.grpc.socket_group && wayMode & 0o010 ? await getgrnam(config.grpc.socket_group) : undefined;
  for (const d of way) await mkdir(d, { recursive: true, mode: PRIVATE_DIR_MODE });
  const modeOf = (d: string) => (way.has(d) ? wayMode : PRIVATE_DIR_MODE);
  const gidOf = (d: string) => (way.has(d) ? wayGid : undefined);
  for (const r of roots) {
    await restrict(r, modeOf(r), gidOf(r), true);
    for (const e of await readdir(r, { withFileTypes: true })) {
      const child = join(r, e.name);
      if (e.isDirectory()) await restrict(child, modeOf(child), gidOf(child));
    }
  }
  for (const d of way) await restrict(d, wayMode, wayGid);
}
