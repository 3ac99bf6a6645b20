// Pulling a big multi-layer image from the local registry; the image is removed before each
// round so every round downloads and unpacks all layers.
import { BenchContext, timed } from '../lib/bench-context.js';
import { CALL_TIMEOUT_MS } from '../lib/pods.js';
import type { CriClient } from '../../src/client/cri-client.js';

async function removeIfPresent(c: CriClient, image: string): Promise<void> {
  const st = await c.image('ImageStatus', { image: { image } }, { timeoutMs: CALL_TIMEOUT_MS });
  if (st.image) await c.image('RemoveImage', { image: { image } }, { timeoutMs: CALL_TIMEOUT_MS });
}

export async function pull(ctx: BenchContext): Promise<void> {
  const s = ctx.settings;
  const row = ctx.row('pull', `PullImage, ${s.imageMiB} MiB in ${s.imageLayers} layers, local registry`, 'ms', { maxRatio: 1, text: '≤ 1.00×' });
  const image = ctx.images.big;
  await ctx.alternate([row], s.pullRounds, Math.min(1, s.warmup), async (rt, _round, warm) => {
    await removeIfPresent(rt.client, image);
    const ms = await timed(() => rt.client.image('PullImage', { image: { image } }, { timeoutMs: 600_000 }));
    if (!warm) ctx.add(row, rt.name, ms);
  });
  for (const rt of ctx.runtimes) await removeIfPresent(rt.client, image).catch(() => undefined);
}
