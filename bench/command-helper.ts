// Figures for the command helper (issue 16): launch latency of `true` through it, the daemon's CPU
// per command, the helper's memory, and the throughput of a big stdout. Also the floor a compiled
// helper could approach: fork/exec/wait of `true` timed inside one process (python3's posix_spawn,
// which is vfork+exec as a C helper would do), with no request or reply at all.
// Usage: node dist/bench/command-helper.js [RUNS=200] [MIB=50]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CommandHelper, executeDirect, type CommandOptions } from '../src/util/command.js';

const runs = Number(process.argv[2] ?? 200);
const mib = Number(process.argv[3] ?? 50);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/** RSS and PSS in KiB (smaps_rollup), and the peak RSS (VmHWM). */
function memory(pid: number): { rss: number; pss: number; hwm: number } {
  const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kib(roll, 'Rss'), pss: kib(roll, 'Pss'), hwm: kib(status, 'VmHWM') };
}

async function latency(run: () => Promise<unknown>): Promise<{ p50: number; p99: number; cpu: number }> {
  for (let i = 0; i < 10; i++) await run(); // warm up
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { p50: pct(times, 50), p99: pct(times, 99), cpu: cpuMs(cpu0) / runs };
}

const FLOOR = `
import os, time, sys
n = int(sys.argv[1]); ts = []
for i in range(n + 10):
    t0 = time.perf_counter()
    pid = os.posix_spawn('/bin/true', ['true'], os.environ)
    os.waitpid(pid, 0)
    ts.append((time.perf_counter() - t0) * 1000)
ts = sorted(ts[10:])
print('%.3f %.3f' % (ts[len(ts) // 2], ts[min(len(ts) - 1, len(ts) * 99 // 100)]))
`;

async function main(): Promise<void> {
  const h = new CommandHelper('/usr/bin/python3');
  const viaHelper = await latency(() => h.execute('true', []));
  const idle = memory(h.pid!);
  const direct = await latency(() => executeDirect('true', []));
  const [f50, f99] = execFileSync('/usr/bin/python3', ['-c', FLOOR, String(runs)], { encoding: 'utf8' }).trim().split(' ').map(Number);

  // A big stdout both ways the helper runs a command: uncapped (internal commands) and, last,
  // capped and abortable (ExecSync's way), so each peak RSS is its own: the helper's memory only
  // grows.
  const big = async (o: CommandOptions) => {
    const bytes = mib * 1024 * 1024;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const c = await h.execute('head', ['-c', String(bytes), '/dev/zero'], o);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (c.stdout.length !== bytes) throw new Error(`got ${c.stdout.length} bytes of ${bytes}`);
    return { secs, cpu: cpuMs(cpu0), hwm: memory(h.pid!).hwm };
  };
  const plain = await big({});
  const capped = await big({ maxOutputBytes: 2 * mib * 1024 * 1024, signal: new AbortController().signal });
  h.close();

  const f = (x: number) => x.toFixed(2);
  console.log(`runs=${runs}  daemon rss=${Math.round(process.memoryUsage().rss / 1048576)} MiB`);
  console.log(`helper  true: p50 ${f(viaHelper.p50)} ms  p99 ${f(viaHelper.p99)} ms  daemon cpu ${f(viaHelper.cpu)} ms/command`);
  console.log(`direct  true: p50 ${f(direct.p50)} ms  p99 ${f(direct.p99)} ms  daemon cpu ${f(direct.cpu)} ms/command`);
  console.log(`floor   true: p50 ${f(f50!)} ms  p99 ${f(f99!)} ms  (posix_spawn+waitpid in one process)`);
  console.log(`helper memory idle: rss ${idle.rss} KiB  pss ${idle.pss} KiB`);
  for (const [name, r] of [['uncapped', plain], ['capped', capped]] as const) {
    console.log(`${mib} MiB stdout ${name}: ${f(r.secs * 1000)} ms (${f(mib / r.secs)} MiB/s)  daemon cpu ${f(r.cpu)} ms  helper peak rss ${r.hwm} KiB`);
  }
}

await main();
