// The kubelet's pattern (issue 19): the calls a kubelet makes all at once, each with a deadline,
// rather than one RPC at a time. Concurrent loops run for the whole scenario:
//   relist every 1 s (ListPodSandbox then ListContainers, as the generic PLEG does),
//   Status every 5 s, stats every 10 s (ListContainerStats, ListPodSandboxStats, ImageFsInfo),
// while pods start in bursts (RunPodSandbox, PodSandboxStatus, ImageStatus, PullImage if absent,
// CreateContainer, StartContainer), then a steady phase with every pod running. Reports per-RPC
// latency by phase, relist latency, pod startup as the relist sees it (from the RunPodSandbox
// call to the first relist that lists its container RUNNING), and the daemon's RSS, CPU and, for
// rktlet, event-loop delay at each phase.
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchContext, log, run } from '../lib/bench-context.js';
import { measureMemory, MiB } from '../lib/memory.js';
import { containerConfig, podConfig, removeRunPods, errorText, CALL_TIMEOUT_MS } from '../lib/pods.js';
import { CpuMeter, scrapeLoopDelay } from '../lib/daemon-usage.js';
import { freePort } from '../lib/free-network.js';
import type { Row, RuntimeName } from '../lib/report.js';
import { RktletRuntime, type BenchRuntime } from '../lib/runtimes.js';
import type { CriClient } from '../../src/client/cri-client.js';

type Phase = 'bursts' | 'steady';
const PHASES: readonly Phase[] = ['bursts', 'steady'];
const FASTER = { maxRatio: 1, text: '≤ 1.00×' };
/** The kubelet's runtime request timeout (2 min) for every call. */
const t = { timeoutMs: CALL_TIMEOUT_MS };

const LOOP_RPCS = ['relist', 'Status', 'ListContainerStats', 'ListPodSandboxStats', 'ImageFsInfo'] as const;
const POD_RPCS = ['RunPodSandbox', 'PodSandboxStatus', 'ImageStatus', 'PullImage', 'CreateContainer', 'StartContainer'] as const;
type Rpc = (typeof LOOP_RPCS)[number] | (typeof POD_RPCS)[number];

/** What one runtime's pass records, turned into rows afterwards. */
class Recorder {
  phase: Phase = 'bursts';
  readonly samples = new Map<string, number[]>();
  readonly failures = new Map<string, { n: number; first: string }>();

  add(rpc: Rpc, ms: number, phase = this.phase): void {
    const key = `${rpc}@${phase}`;
    this.samples.set(key, [...(this.samples.get(key) ?? []), ms]);
  }

  async call<T>(rpc: Rpc, fn: () => Promise<T>): Promise<T> {
    const phase = this.phase;
    const t0 = performance.now();
    try {
      const r = await fn();
      this.add(rpc, performance.now() - t0, phase);
      return r;
    } catch (err) {
      const f = this.failures.get(rpc) ?? { n: 0, first: errorText(err) };
      f.n++;
      this.failures.set(rpc, f);
      throw err;
    }
  }
}

/** Runs fn every `periodMs` (from the start of one call to the next, never two at once) until stopped. */
async function every(periodMs: number, stop: { done: boolean }, fn: () => Promise<void>): Promise<void> {
  while (!stop.done && !run.aborted) {
    const t0 = performance.now();
    await fn().catch(() => undefined); // counted by the recorder
    const left = periodMs - (performance.now() - t0);
    if (left > 0 && !stop.done) await sleep(left);
  }
}

interface Pass {
  rec: Recorder;
  startup: number[];
  rss: Record<'idle' | Phase, number>;
  cpu: Record<Phase, number>;
  loop: Partial<Record<Phase, { p99: number; max: number }>>;
  pulls: number;
}

async function onePass(ctx: BenchContext, rt: BenchRuntime, round: number): Promise<Pass> {
  const s = ctx.settings;
  const c: CriClient = rt.client;
  const pid = rt.daemon?.pid ?? -1;
  const metricsUrl = rt instanceof RktletRuntime ? rt.metricsUrl : undefined;
  const rec = new Recorder();
  const pending = new Map<string, number>(); // pod id → when its RunPodSandbox was called
  const startup: number[] = [];
  let pulls = 0;

  const relist = async () => {
    await rec.call('relist', async () => {
      await c.runtime('ListPodSandbox', {}, t);
      const { containers } = await c.runtime('ListContainers', {}, t);
      const now = performance.now();
      for (const ct of containers) {
        const t0 = pending.get(ct.pod_sandbox_id);
        if (t0 !== undefined && ct.state === 'CONTAINER_RUNNING') {
          startup.push(now - t0);
          pending.delete(ct.pod_sandbox_id);
        }
      }
    });
  };
  const stats = async () => {
    await Promise.all([
      rec.call('ListContainerStats', () => c.runtime('ListContainerStats', {}, t)),
      rec.call('ListPodSandboxStats', () => c.runtime('ListPodSandboxStats', {}, t)),
      rec.call('ImageFsInfo', () => c.image('ImageFsInfo', {}, t)),
    ]);
  };
  const status = async () => {
    await rec.call('Status', () => c.runtime('Status', { verbose: false }, t));
  };

  const startPod = async (name: string) => {
    const pod = podConfig({ runId: ctx.runId, name, logRoot: ctx.logRoot });
    const t0 = performance.now();
    const { pod_sandbox_id: podId } = await rec.call('RunPodSandbox', () => c.runtime('RunPodSandbox', { config: pod, runtime_handler: '' }, t));
    pending.set(podId, t0);
    await rec.call('PodSandboxStatus', () => c.runtime('PodSandboxStatus', { pod_sandbox_id: podId, verbose: false }, t));
    const image = ctx.images.busybox;
    const st = await rec.call('ImageStatus', () => c.image('ImageStatus', { image: { image }, verbose: false }, t));
    if (!st.image) {
      pulls++;
      await rec.call('PullImage', () => c.image('PullImage', { image: { image }, sandbox_config: pod }, t));
    }
    const config = containerConfig(ctx.runId, 'c0', image);
    const { container_id } = await rec.call('CreateContainer', () => c.runtime('CreateContainer', { pod_sandbox_id: podId, config, sandbox_config: pod }, t));
    await rec.call('StartContainer', () => c.runtime('StartContainer', { container_id }, t));
  };

  const loopDelay = async () => (metricsUrl ? scrapeLoopDelay(metricsUrl).catch(() => undefined) : undefined);

  await sleep(1000);
  const rss = { idle: MiB(measureMemory(rt).daemon.rssKiB), bursts: 0, steady: 0 };
  const loop: Pass['loop'] = {};
  const stop = { done: false };
  await loopDelay(); // resets the daemon's delay monitor: the next scrape covers the bursts only
  let cpu = new CpuMeter(pid);
  const loops = [every(1000, stop, relist), every(5000, stop, status), every(10_000, stop, stats)];
  const cpuOut = { bursts: 0, steady: 0 };
  try {
    for (let b = 0; b * s.kubeletBurst < s.kubeletPods; b++) {
      if (run.aborted) throw new Error('interrupted');
      const n = Math.min(s.kubeletBurst, s.kubeletPods - b * s.kubeletBurst);
      const res = await Promise.allSettled(Array.from({ length: n }, (_, i) => startPod(`kl-${round}-${b * s.kubeletBurst + i}`)));
      const failed = res.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    // The bursts end when the relist has seen every pod running.
    const until = performance.now() + 120_000;
    while (pending.size > 0) {
      if (performance.now() > until) throw new Error(`${pending.size} pods not seen running by the relist within 120 s of their start`);
      await sleep(100);
    }
    cpuOut.bursts = cpu.percent();
    rss.bursts = MiB(measureMemory(rt).daemon.rssKiB);
    const d = await loopDelay();
    if (d) loop.bursts = d;
    log(`${rt.name}: every pod seen running; steady for ${s.kubeletSteadySeconds} s`);
    rec.phase = 'steady';
    cpu = new CpuMeter(pid);
    await sleep(s.kubeletSteadySeconds * 1000);
    cpuOut.steady = cpu.percent();
    rss.steady = MiB(measureMemory(rt).daemon.rssKiB);
    const d2 = await loopDelay();
    if (d2) loop.steady = d2;
  } finally {
    stop.done = true;
    await Promise.all(loops);
  }
  for (const [rpc, f] of rec.failures) ctx.notes.push(`${rt.name}, kubelet pattern: ${f.n} ${rpc} calls failed (first: ${f.first})`);
  return { rec, startup, rss, cpu: cpuOut, loop, pulls };
}

function notApplicable(row: Row, rt: RuntimeName, why: string): void {
  row.cells[rt].error = why;
}

export async function kubelet(ctx: BenchContext): Promise<void> {
  const s = ctx.settings;
  const shape = `${s.kubeletPods} pods in bursts of ${s.kubeletBurst}`;
  const phaseText: Record<Phase, string> = { bursts: 'during the bursts', steady: `steady, ${s.kubeletPods} pods running` };
  const startup = ctx.row('kl-startup', `kubelet pattern: pod startup seen by the relist (${shape})`, 'ms', FASTER);
  const rpcRows = new Map<string, Row>();
  for (const phase of PHASES) {
    for (const rpc of [...LOOP_RPCS, ...(phase === 'bursts' ? POD_RPCS : [])]) {
      const title = rpc === 'relist' ? 'relist (ListPodSandbox + ListContainers)' : rpc;
      rpcRows.set(`${rpc}@${phase}`, ctx.row(`kl-${rpc}-${phase}`, `kubelet pattern: ${title}, ${phaseText[phase]}`, 'ms', FASTER));
    }
  }
  const rssRows = {
    idle: ctx.row('kl-rss-idle', 'kubelet pattern: daemon RSS before the bursts', 'MiB'),
    bursts: ctx.row('kl-rss-bursts', 'kubelet pattern: daemon RSS after the bursts', 'MiB'),
    steady: ctx.row('kl-rss-steady', `kubelet pattern: daemon RSS after the steady phase`, 'MiB'),
  };
  const cpuRows = {
    bursts: ctx.row('kl-cpu-bursts', 'kubelet pattern: daemon CPU during the bursts (% of one core)', '%'),
    steady: ctx.row('kl-cpu-steady', `kubelet pattern: daemon CPU, steady (% of one core)`, '%'),
  };
  const loopRows = PHASES.flatMap((phase) => [
    ctx.row(`kl-loop-p99-${phase}`, `kubelet pattern: rktlet event-loop delay p99, ${phaseText[phase]}`, 'ms'),
    ctx.row(`kl-loop-max-${phase}`, `kubelet pattern: rktlet event-loop delay max, ${phaseText[phase]}`, 'ms'),
  ]);
  for (const r of loopRows) notApplicable(r, 'containerd', 'not applicable (Go: no single event loop)');
  const all = [startup, ...rpcRows.values(), ...Object.values(rssRows), ...Object.values(cpuRows), ...loopRows];

  // Both daemons start afresh for the pattern (the same state for each), rktlet serving its
  // metrics for the event-loop figures; afterwards rktlet goes back to the default (no metrics).
  for (const rt of ctx.runtimes) {
    if (!rt.running) continue;
    await rt.stop();
    if (rt instanceof RktletRuntime) rt.setMetricsPort(await freePort());
    await rt.start();
  }
  try {
    await pattern(ctx, all, shape, startup, rpcRows, rssRows, cpuRows, loopRows);
  } finally {
    for (const rt of ctx.runtimes) {
      if (!(rt instanceof RktletRuntime) || run.aborted) continue;
      rt.setMetricsPort(undefined);
      if (!rt.running) continue;
      await rt.stop();
      await rt.start().catch((err: unknown) => log(`rktlet: restart without metrics: ${errorText(err)}`));
    }
  }
}

async function pattern(
  ctx: BenchContext,
  all: Row[],
  shape: string,
  startup: Row,
  rpcRows: Map<string, Row>,
  rssRows: Record<'idle' | Phase, Row>,
  cpuRows: Record<Phase, Row>,
  loopRows: Row[],
): Promise<void> {
  const s = ctx.settings;
  await ctx.alternate(all, s.kubeletRounds, 0, async (rt, round) => {
    log(`${rt.name}: kubelet pattern, ${shape}`);
    try {
      const pass = await onePass(ctx, rt, round);
      for (const v of pass.startup) ctx.add(startup, rt.name, v);
      for (const [key, xs] of pass.rec.samples) {
        const row = rpcRows.get(key);
        if (row) for (const v of xs) ctx.add(row, rt.name, v);
      }
      for (const k of ['idle', 'bursts', 'steady'] as const) ctx.add(rssRows[k], rt.name, pass.rss[k]);
      for (const k of PHASES) ctx.add(cpuRows[k], rt.name, pass.cpu[k]);
      PHASES.forEach((phase, i) => {
        const d = pass.loop[phase];
        if (!d) return;
        ctx.add(loopRows[2 * i] as Row, rt.name, d.p99);
        ctx.add(loopRows[2 * i + 1] as Row, rt.name, d.max);
      });
      if (pass.pulls) ctx.notes.push(`${rt.name}, kubelet pattern: ${pass.pulls} PullImage calls (ImageStatus said absent)`);
    } finally {
      log(`${rt.name}: removing the kubelet pattern's pods`);
      await removeRunPods(rt.client, ctx.runId).catch((err: unknown) => log(`${rt.name}: teardown: ${errorText(err)}`));
    }
  });
}
