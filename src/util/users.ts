// Host user and group lookups from /etc files (no native bindings needed).
import { readFile } from 'node:fs/promises';
import { NotFoundError } from '../errors/catalog.js';

export async function getgrnam(name: string, groupFile = '/etc/group'): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const text = await readFile(groupFile, 'utf8');
  for (const line of text.split('\n')) {
    const [gname, , gid] = line.split(':');
    if (gname === name && gid !== undefined) return Number(gid);
  }
  throw new NotFoundError(`group "${name}" not found in ${groupFile}`);
}
