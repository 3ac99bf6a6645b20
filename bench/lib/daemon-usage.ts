// A daemon's CPU time (from /proc/<pid>/stat, its own threads, not its reaped children) and the
// event-loop delay rktlet reports on its metrics endpoint, for per-phase figures.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of /proc/<pid>/stat, in ms; fields after the ")" of comm, which may hold spaces. */
export function parseCpuMs(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_SECOND;
}

export function cpuMs(pid: number): number {
  return parseCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** CPU use over a phase, as a percentage of one core. */
export class CpuMeter {
  private readonly cpu0: number;
  private readonly t0 = performance.now();
  constructor(private readonly pid: number) {
    this.cpu0 = cpuMs(pid);
  }
  percent(): number {
    const wall = performance.now() - this.t0;
    return wall > 0 ? ((cpuMs(this.pid) - this.cpu0) / wall) * 100 : 0;
  }
}

/** A gauge's value from Prometheus text exposition (the first sample of that name). */
export function promValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * prom-client's event-loop gauges come from a perf_hooks monitorEventLoopDelay that samples every
 * 10 ms and is reset at every scrape: a scrape at the start of a phase clears it, one at the end
 * gives that phase's figures. Each sample includes the 10 ms interval itself, taken off here.
 */
export const LOOP_SAMPLE_MS = 10;

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export function parseLoopDelay(text: string): LoopDelay | undefined {
  const g = (q: string) => promValue(text, `nodejs_eventloop_lag_${q}_seconds`);
  const [p50, p99, max] = [g('p50'), g('p99'), g('max')];
  if (p50 === undefined || p99 === undefined || max === undefined) return undefined;
  const ms = (s: number) => Math.max(0, s * 1000 - LOOP_SAMPLE_MS);
  return { p50: ms(p50), p99: ms(p99), max: ms(max) };
}

export async function scrapeLoopDelay(url: string): Promise<LoopDelay | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return parseLoopDelay(await res.text());
}
