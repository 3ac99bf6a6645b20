// The image's /etc/passwd and /etc/group read straight from the snapshot's layers, so the user can
// be resolved (and config.json written) while the overlay is still being mounted. Only the clear
// cases are answered: the topmost layer that has an `etc` directory must hold the file itself (a
// regular file, or a whiteout: the file is absent). Anything else (an `etc` that is not a plain
// directory, a layer with `etc` but without the file, which may be an opaque directory, a symlink)
// answers undefined and the caller reads the mounted root filesystem instead.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors/catalog.js';
import type { RootfsMount } from '../snapshot/types.js';

const MAX = 16 * 1024 * 1024;

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

/** One file under etc/ as the merged view would show it: its text, '' when absent, undefined when unclear. */
async function etcFile(layers: string[], name: string): Promise<string | undefined> {
  for (const layer of layers) {
    const etc = await lstatOrUndefined(join(layer, 'etc'));
    if (!etc) continue;
    if (!etc.isDirectory()) return undefined;
    const st = await lstatOrUndefined(join(layer, 'etc', name));
    if (!st) return undefined; // perhaps an opaque etc/ hiding the lower layers' file
    if (st.isCharacterDevice() && st.rdev === 0) return ''; // overlay whiteout: removed
    if (!st.isFile()) return undefined;
    return st.size > MAX ? '' : readFile(join(layer, 'etc', name), 'utf8');
  }
  return '';
}

/**
 * passwd and group of a prepared (not necessarily mounted) snapshot: the writable layer first,
 * then the image's layers from the top. Undefined when the layers do not tell plainly.
 */
export async function userFilesFromLayers(m: RootfsMount): Promise<{ passwd: string; group: string } | undefined> {
  if (m.lowerDirs.length === 0) return undefined;
  const layers = m.upperDir ? [m.upperDir, ...m.lowerDirs] : m.lowerDirs;
  const [passwd, group] = await Promise.all([etcFile(layers, 'passwd'), etcFile(layers, 'group')]);
  return passwd === undefined || group === undefined ? undefined : { passwd, group };
}
