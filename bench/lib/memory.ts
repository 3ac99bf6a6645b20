// Memory of a runtime: its daemon process, and the helpers it leaves running for pods.
import { daemonChildren, helperProcesses, hostPidNs, listProcesses, memoryOf, sumMemory, type MemInfo, type MemoryTotal } from './proc.js';
import type { BenchRuntime } from './runtimes.js';

export interface RuntimeMemory {
  /** The daemon with its own long-lived children (rktlet's python3 command helper). */
  daemon: MemInfo;
  daemonChildren: MemoryTotal;
  helpers: MemoryTotal;
}

export const MiB = (kib: number): number => kib / 1024;

export function measureMemory(rt: BenchRuntime): RuntimeMemory {
  const pid = rt.daemon?.pid;
  if (!pid || !rt.running) throw new Error(`${rt.name} is not running`);
  const own = memoryOf(pid);
  if (!own) throw new Error(`cannot read /proc/${pid}`);
  const all = listProcesses();
  const children = sumMemory(daemonChildren(all, rt.dir, pid));
  const daemon = { rssKiB: own.rssKiB + children.rssKiB, pssKiB: (own.pssKiB ?? own.rssKiB) + children.pssKiB };
  const helpers = sumMemory(helperProcesses(all, rt.dir, pid, hostPidNs()));
  return { daemon, daemonChildren: children, helpers };
}

export function describeHelpers(t: MemoryTotal): string {
  const names = Object.entries(t.byComm)
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ');
  return names || 'none';
}
