// Preparing the listening socket path: a stale file left by a dead daemon is removed, a socket
// with a live server behind it is refused.
import { connect } from 'node:net';
import { lstat, unlink, mkdir, chmod, chown } from 'node:fs/promises';
import { dirname } from 'node:path';
import { getgrnam } from '../util/users.js';
import { FailedPreconditionError, isErrno } from '../errors/catalog.js';

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o711 });
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  if (!st.isSocket()) throw new FailedPreconditionError(`${path} exists and is not a socket; refusing to replace it`);
  if (await isListening(path)) throw new FailedPreconditionError(`socket ${path} is in use by a live server`);
  await unlink(path);
}

/**
 * The socket is root's, its group `group` (empty: root's group), whatever made it otherwise: a
 * socket created in a setgid directory takes that directory's group, which `socket_mode`'s group
 * bits would then open the CRI (root on the node) to.
 */
export async function secureSocket(path: string, mode: string, group: string): Promise<void> {
  await chown(path, 0, group ? await getgrnam(group) : 0);
  await chmod(path, parseInt(mode, 8));
}
