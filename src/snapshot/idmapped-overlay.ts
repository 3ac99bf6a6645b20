// The root filesystem of a user-namespaced container: an overlay whose lower layers are idmapped
// mounts through the pod's pinned user namespace, so that the image's files keep their owners inside
// the pod (root-owned on disk shows as the pod's root). Kernel 5.19+ takes idmapped layers in
// overlayfs; an overlay mount cannot itself be idmapped (mount_setattr says EINVAL), hence per layer.
// The upper dir is written through as the mapped ids, so it belongs to the pod's root on disk.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FailedPreconditionError } from '../errors/catalog.js';
import { pythonProgram } from '../helpers/programs.js';
import { complaintOf, runCommand } from '../util/command.js';

const USERNS_PY = pythonProgram('userns_mounts');

export interface IdmappedOverlay {
  /** The pinned user namespace file whose mappings the layers get. */
  userns: string;
  /** Absolute lower dirs, top first. */
  lowers: string[];
  upper: string;
  work: string;
  target: string;
  /** A directory for the staging mounts (their names stay short: the kernel takes one page). */
  cwd: string;
}

/** Mounts an overlay over idmapped mounts of its layers (src/helpers/userns_mounts.py). */
export async function mountIdmappedOverlay(o: IdmappedOverlay): Promise<void> {
  const req = { userns: o.userns, lowers: o.lowers, upper: o.upper, work: o.work, target: o.target, cwd: o.cwd, stage: 'idmap' };
  await runCommand('python3', ['-E', '-s', '-c', USERNS_PY, 'overlay', JSON.stringify(req)]).catch((err: unknown) => {
    throw new FailedPreconditionError(`cannot mount the user-namespaced root filesystem (idmapped layers): ${complaintOf(err)}`, { cause: err });
  });
}

/**
 * The OCI runtimes join the pod's user namespace before they mount its root filesystem, by path,
 * as the pod's root: one host uid, of no other use. Every directory above the root filesystem that
 * others may not pass gets a POSIX ACL entry letting that uid alone through (`u:<uid>:x`, no
 * listing), so the state dirs stay closed to every other host user (src/store/private-state.ts:
 * an image's setuid files and a pod's data are reachable by no one else). An earlier draft gave
 * everyone the search bit (o+x): any local user could then walk, by the path /proc/self/mountinfo
 * shows, into a user-namespaced pod's root filesystem. setfacl is Debian's `acl`.
 */
export async function grantTraverse(path: string, uid: number): Promise<void> {
  const dirs = await closedAncestors(path);
  if (dirs.length === 0) return;
  await runCommand('setfacl', ['-m', `u:${uid}:x`, '--', ...dirs]).catch((err: unknown) => {
    throw new FailedPreconditionError(
      `cannot let the pod's root (host uid ${uid}) reach its root filesystem: setfacl (apt-get install acl) on ${dirs.join(', ')}: ${complaintOf(err)}`,
      { cause: err },
    );
  });
}

/** Takes the entry away again (the last user-namespaced snapshot of that uid is gone); best effort. */
export async function revokeTraverse(path: string, uid: number): Promise<void> {
  const dirs = await closedAncestors(path).catch(() => [] as string[]);
  if (dirs.length) await runCommand('setfacl', ['-x', `u:${uid}`, '--', ...dirs]).catch(() => undefined);
}

/** The existing directories above `path` whose mode does not let others pass. */
async function closedAncestors(path: string): Promise<string[]> {
  const dirs: string[] = [];
  for (let d = dirname(path); d !== '/' && d !== '.'; d = dirname(d)) {
    const st = await stat(d).catch(() => undefined);
    if (st && !(st.mode & 0o001)) dirs.push(d);
  }
  return dirs;
}
