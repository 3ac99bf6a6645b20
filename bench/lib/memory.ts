// Memory of a runtime: its daemon process, and the helpers it leaves running for pods.
import { helperProcesses, hostPidNs, listProcesses, memoryOf, sumMemory, type MemInfo, type MemoryTotal } from './proc.js';
import type { BenchRuntime } from './runtimes.js';

export interface RuntimeMemory {
  daemon: MemInfo;
  helpers: MemoryTotal;
}

export const MiB = (kib: number): number => kib / 1024;

export function measureMemory(rt: BenchRuntime): RuntimeMemory {
  const pid = rt.daemon?.pid;
  if (!pid || !rt.running) throw new Error(`${rt.name} is not running`);
  const daemon = memoryOf(pid);
  if (!daemon) throw new Error(`cannot read /proc/${pid}`);
  const helpers = sumMemory(helperProcesses(listProcesses(), rt.dir, pid, hostPidNs()));
  return { daemon, helpers };
}

export function describeHelpers(t: MemoryTotal): string {
  const names = Object.entries(t.byComm)
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ');
  return names || 'none';
}
