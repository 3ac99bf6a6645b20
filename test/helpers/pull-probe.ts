// Watching a daemon while it pulls something hostile: what is left in its image store, its
// memory, and how fast a second client's calls answer meanwhile.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriClient } from '../../src/client/cri-client.js';

/** Files a pull may leave under `root`: blobs, unpacked layers, ingest and unpack temp files. */
export function storeLeftovers(root: string): { blobs: string[]; layers: string[]; temp: string[] } {
  const sub = (p: string) => readdirSync(p).flatMap((n) => readdirSync(join(p, n)).map((f) => `${n}/${f}`));
  return {
    blobs: readdirSync(join(root, 'content', 'blobs', 'sha256')),
    layers: readdirSync(join(root, 'snapshots', 'layers')),
    temp: [...sub(join(root, 'content', 'ingest')), ...sub(join(root, 'snapshots', 'tmp'))],
  };
}

/** VmRSS and VmHWM (peak) of a process, in bytes, from /proc/<pid>/status. */
export function memOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export interface CallProbe {
  /** The slowest Version/ListPodSandbox call while `work` ran. */
  slowestMs: number;
  calls: number;
  /** The daemon's highest VmRSS sampled after each call. */
  peakRss: number;
}

/**
 * Runs `work` while a second client on `socket` calls Version and ListPodSandbox in turn, and
 * samples the daemon's (`pid`) memory after each call.
 */
export async function whileCalling(socket: string, pid: number, work: () => Promise<unknown>): Promise<CallProbe> {
  const other = new CriClient(socket);
  let done = false;
  const p: CallProbe = { slowestMs: 0, calls: 0, peakRss: memOf(pid).rss };
  const loop = (async () => {
    while (!done) {
      const t0 = performance.now();
      if (p.calls % 2) await other.runtime('ListPodSandbox', {}, { timeoutMs: 5000 });
      else await other.runtime('Version', {}, { timeoutMs: 5000 });
      p.slowestMs = Math.max(p.slowestMs, performance.now() - t0);
      p.calls++;
      p.peakRss = Math.max(p.peakRss, memOf(pid).rss);
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await loop;
    other.close();
  }
  return p;
}
