// N pods with one container each, all started at once: time until every container is RUNNING.
import { BenchContext } from '../lib/bench-context.js';
import { podWithContainers, removeRunPods, countRunning } from '../lib/pods.js';

export async function concurrent(ctx: BenchContext): Promise<void> {
  const s = ctx.settings;
  const n = s.concurrentPods;
  const row = ctx.row('concurrent', `${n} pods × 1 container started concurrently, until all RUNNING`, 'ms', { maxRatio: 1, text: '≤ 1.00×' });
  await ctx.alternate([row], s.concurrentRounds, 0, async (rt, round) => {
    const c = rt.client;
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => podWithContainers(c, { runId: ctx.runId, name: `cc-${round}-${i}`, logRoot: ctx.logRoot }, ctx.images.busybox, 1)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // StartContainer has returned for all; confirm every one is RUNNING as a client would see it.
    for (;;) {
      const running = await countRunning(c, ctx.runId);
      if (running >= n) break;
      if (performance.now() - t0 > 300_000) throw new Error(`only ${running} of ${n} containers RUNNING after 300 s`);
    }
    const ms = performance.now() - t0;
    ctx.add(row, rt.name, ms);
    await removeRunPods(c, ctx.runId);
  });
}
