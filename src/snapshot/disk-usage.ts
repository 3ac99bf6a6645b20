// Bytes (allocated blocks, as du counts them) and inodes under a directory, hard links once.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function diskUsage(dir: string): Promise<{ bytes: number; inodes: number }> {
  const seen = new Set<string>();
  let bytes = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    let st;
    try {
      st = await lstat(p, { bigint: false });
    } catch {
      return; // removed meanwhile
    }
    const key = `${st.dev}:${st.ino}`;
    if (!seen.has(key)) {
      seen.add(key);
      bytes += st.blocks * 512;
      inodes++;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = await readdir(p);
      } catch {
        return;
      }
      for (const n of names) await walk(join(p, n));
    }
  };
  await walk(dir);
  return { bytes, inodes };
}
