// Daemon memory with no pods (after the single-pod rounds warmed it up), its own long-lived
// children included.
import { BenchContext } from '../lib/bench-context.js';
import { describeHelpers, measureMemory, MiB } from '../lib/memory.js';
import { setTimeout as sleep } from 'node:timers/promises';

export async function idleMemory(ctx: BenchContext): Promise<void> {
  const rss = ctx.row('rss-idle', 'daemon RSS, idle (no pods)', 'MiB');
  const pss = ctx.row('pss-idle', 'daemon PSS, idle (no pods)', 'MiB');
  await ctx.alternate([rss, pss], ctx.settings.memorySamples, 0, async (rt, round) => {
    if (round > 0) await sleep(500);
    const m = measureMemory(rt);
    ctx.add(rss, rt.name, MiB(m.daemon.rssKiB));
    ctx.add(pss, rt.name, MiB(m.daemon.pssKiB ?? m.daemon.rssKiB));
    if (round === 0 && m.daemonChildren.count) {
      ctx.notes.push(`${rt.name} daemon memory includes its own children (${describeHelpers(m.daemonChildren)}): ${MiB(m.daemonChildren.rssKiB).toFixed(1)} MiB RSS, ${MiB(m.daemonChildren.pssKiB).toFixed(1)} MiB PSS`);
    }
  });
}
