// The host's processes with their command lines, read from /proc (tests look for what a daemon,
// a plugin or a monitor left running). Processes that end while being read are left out.
import { readdirSync, readFileSync } from 'node:fs';

export interface HostProcess {
  pid: number;
  argv: string[];
}

export function processes(): HostProcess[] {
  const out: HostProcess[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      out.push({ pid: Number(p), argv: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(0, -1) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Pids of `sleep <marker>` processes: the hung children a test's fake plugin or runtime started. */
export function sleepersWith(marker: string): number[] {
  return processes()
    .filter((p) => p.argv.length === 2 && p.argv[0] === 'sleep' && p.argv[1] === marker)
    .map((p) => p.pid);
}
