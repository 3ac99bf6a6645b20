// The root filesystem of a user-namespaced container: an overlay whose lower layers are idmapped
// mounts through the pod's pinned user namespace, so that the image's files keep their owners inside
// the pod (root-owned on disk shows as the pod's root). Kernel 5.19+ takes idmapped layers in
// overlayfs; an overlay mount cannot itself be idmapped (mount_setattr says EINVAL), hence per layer.
// The upper dir is written through as the mapped ids, so it belongs to the pod's root on disk.
import { chmod, stat } from 'node:fs/promises';
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
 * as the pod's (unprivileged) root: every directory above it must let others through. Those that
 * do not get the search bit for others alone (o+x: no listing, the names are 64-hex ids), as the
 * state dirs are otherwise 0700. Only done when a user-namespaced container is made.
 */
export async function grantTraverse(path: string): Promise<void> {
  for (let d = dirname(path); d !== '/' && d !== '.'; d = dirname(d)) {
    const st = await stat(d);
    if (!(st.mode & 0o001)) await chmod(d, (st.mode & 0o7777) | 0o001);
  }
}
