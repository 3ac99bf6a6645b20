// Daemon memory with no pods (after the single-pod rounds warmed it up), its own long-lived
// children included; beside it, in the notes, an empty Node.js process: the floor rktlet's
// figures stand on (README "Memory").
import { spawn } from 'node:child_process';
import { BenchContext } from '../lib/bench-context.js';
import { describeHelpers, measureMemory, MiB } from '../lib/memory.js';
import { memoryOf } from '../lib/proc.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** RSS and PSS of `node -e 'setInterval(…)'` on the Node.js the daemon runs on, once settled. */
async function emptyNode(): Promise<string> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  try {
    await sleep(1000);
    const m = child.pid ? memoryOf(child.pid) : undefined;
    if (!m) return 'an empty Node.js process could not be measured';
    return `an empty Node.js ${process.versions.node} process (node -e 'setInterval(…)'), the floor of rktlet's daemon figures: ${MiB(m.rssKiB).toFixed(1)} MiB RSS, ${MiB(m.pssKiB ?? m.rssKiB).toFixed(1)} MiB PSS`;
  } finally {
    child.kill('SIGKILL');
  }
}

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
  ctx.notes.push(await emptyNode());
}
