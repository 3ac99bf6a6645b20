// With streaming.port = 0 the server picks a free port; URLs handed out before a restart name that
// port. The port is kept in <run_root>/streaming/port.json and tried first at the next start, so
// those URLs (their tokens are persisted too: token-file.ts) still reach the server. When the port
// has been taken meanwhile, a new one is picked and old URLs are refused by whoever holds it, or
// get a connection refused: an immediate error, never a hang.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';

const FILE = 'port.json';

/** The port a previous daemon served `address` on, if any. */
export async function previousPort(dir: string, address: string): Promise<number | undefined> {
  try {
    const v = JSON.parse(await readFile(join(dir, FILE), 'utf8')) as { address?: unknown; port?: unknown };
    return v.address === address && Number.isInteger(v.port) && (v.port as number) > 0 && (v.port as number) < 65536 ? (v.port as number) : undefined;
  } catch {
    return undefined; // none, or unreadable: a fresh port
  }
}

export function savePort(dir: string, address: string, port: number): Promise<void> {
  return writeFileAtomic(join(dir, FILE), JSON.stringify({ address, port }));
}
