// One pod at a time through the whole kubelet lifecycle, each step timed.
import { BenchContext } from '../lib/bench-context.js';
import { podConfig, containerConfig, runPod, startContainer, stopRemoveContainer, stopRemovePod } from '../lib/pods.js';

const SAME_OR_FASTER = { maxRatio: 1, text: '≤ 1.00×' };

export async function lifecycle(ctx: BenchContext): Promise<void> {
  const s = ctx.settings;
  const run = ctx.row('run-pod', 'RunPodSandbox', 'ms', SAME_OR_FASTER);
  const start = ctx.row('start-ctr', 'CreateContainer + StartContainer', 'ms', SAME_OR_FASTER);
  const stop = ctx.row('stop-ctr', 'StopContainer + RemoveContainer', 'ms', SAME_OR_FASTER);
  const stopPod = ctx.row('stop-pod', 'StopPodSandbox + RemovePodSandbox', 'ms', SAME_OR_FASTER);
  const whole = ctx.row('lifecycle', 'whole single-pod lifecycle (the four steps above)', 'ms', SAME_OR_FASTER);
  await ctx.alternate([run, start, stop, stopPod, whole], s.lifecycleRounds, s.warmup, async (rt, round, warm) => {
    const c = rt.client;
    const pod = podConfig({ runId: ctx.runId, name: `lc-${warm ? 'w' : ''}${round}`, logRoot: ctx.logRoot });
    const ctr = containerConfig(ctx.runId, 'app', ctx.images.busybox);
    const t0 = performance.now();
    const podId = await runPod(c, pod);
    const t1 = performance.now();
    const id = await startContainer(c, podId, pod, ctr);
    const t2 = performance.now();
    await stopRemoveContainer(c, id);
    const t3 = performance.now();
    await stopRemovePod(c, podId);
    const t4 = performance.now();
    if (warm) return;
    ctx.add(run, rt.name, t1 - t0);
    ctx.add(start, rt.name, t2 - t1);
    ctx.add(stop, rt.name, t3 - t2);
    ctx.add(stopPod, rt.name, t4 - t3);
    ctx.add(whole, rt.name, t4 - t0);
  });
}
