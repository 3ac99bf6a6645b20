// A loaded node: N pods × M containers present. Measures population time, memory (daemon and
// per-pod helpers), List*, ContainerStatus, ExecSync, and daemon restart until ready.
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchContext, log, timed, run } from '../lib/bench-context.js';
import { measureMemory, MiB, describeHelpers } from '../lib/memory.js';
import { podWithContainers, pool, removeRunPods, countRunning, errorText, RUN_LABEL, CALL_TIMEOUT_MS, type PodHandle } from '../lib/pods.js';
import type { RuntimeName } from '../lib/report.js';
import type { BenchRuntime } from '../lib/runtimes.js';
import type { CriClient } from '../../src/client/cri-client.js';

const FASTER = { maxRatio: 1, text: '≤ 1.00×' };
const QUARTER = { maxRatio: 0.25, text: '≤ 0.25×' };
const t = { timeoutMs: CALL_TIMEOUT_MS };

async function ready(c: CriClient): Promise<boolean> {
  const { status } = await c.runtime('Status', { verbose: false }, { timeoutMs: 2000 });
  const cond = (type: string) => status?.conditions.some((x) => x.type === type && x.status) ?? false;
  return cond('RuntimeReady') && cond('NetworkReady');
}

async function listedPods(c: CriClient, runId: string): Promise<number> {
  const { items } = await c.runtime('ListPodSandbox', { filter: { label_selector: { [RUN_LABEL]: runId } } }, { timeoutMs: 5000 });
  return items.length;
}

export async function loaded(ctx: BenchContext): Promise<void> {
  const s = ctx.settings;
  const pods = s.loadedPods;
  const ctrs = pods * s.containersPerPod;
  const shape = `${pods} pods / ${ctrs} containers`;
  const populate = ctx.row('populate', `create ${shape} (${s.populateConcurrency} pods in flight; informational)`, 'ms');
  const rssLoaded = ctx.row('rss-loaded', `daemon RSS with ${shape}`, 'MiB');
  const helperPss = ctx.row('helper-pss', `runtime helper processes per pod, PSS (${s.containersPerPod} containers per pod)`, 'MiB', QUARTER);
  const helperRss = ctx.row('helper-rss', `runtime helper processes per pod, RSS (${s.containersPerPod} containers per pod)`, 'MiB', QUARTER);
  const listPods = ctx.row('list-pods', `ListPodSandbox with ${shape}`, 'ms', FASTER);
  const listCtrs = ctx.row('list-ctrs', `ListContainers with ${shape}`, 'ms', FASTER);
  const status = ctx.row('ctr-status', `ContainerStatus with ${shape}`, 'ms', FASTER);
  const version = ctx.row('version', `Version with ${shape} (the gRPC round trip alone; informational)`, 'ms');
  const exec = ctx.row('exec-sync', `ExecSync (echo) with ${shape}`, 'ms', FASTER);
  const restart = ctx.row('restart', `daemon restart with ${pods} pods: start until Status ready and every pod listed`, 'ms', {
    maxValue: 1000,
    text: '< 1000 ms',
  });
  const all = [populate, rssLoaded, helperPss, helperRss, listPods, listCtrs, status, version, exec, restart];

  const handles = new Map<RuntimeName, PodHandle[]>();
  const notLoaded = new Set<RuntimeName>();
  for (const rt of ctx.runtimes) {
    if (run.aborted) throw new Error('interrupted');
    log(`${rt.name}: creating ${shape}`);
    try {
      if (!rt.running) throw new Error(`${rt.name} is not running`);
      const names = Array.from({ length: pods }, (_, i) => `ld-${i}`);
      let made: PodHandle[] = [];
      const ms = await timed(async () => {
        made = await pool(names, s.populateConcurrency, (name) => podWithContainers(rt.client, { runId: ctx.runId, name, logRoot: ctx.logRoot }, ctx.images.busybox, s.containersPerPod));
      });
      handles.set(rt.name, made);
      ctx.add(populate, rt.name, ms);
    } catch (err) {
      if (run.aborted) throw err;
      notLoaded.add(rt.name);
      ctx.fail(all, rt.name, err);
      log(`${rt.name}: populating failed: ${errorText(err)}`);
      await ctx.recover(rt);
    }
  }

  // Memory: every runtime measured in the same state, a few samples apart.
  await ctx.alternate(
    [rssLoaded, helperPss, helperRss],
    s.memorySamples,
    0,
    async (rt, round) => {
      if (round > 0) await sleep(500);
      const m = measureMemory(rt);
      ctx.add(rssLoaded, rt.name, MiB(m.daemon.rssKiB));
      ctx.add(helperPss, rt.name, MiB(m.helpers.pssKiB) / pods);
      ctx.add(helperRss, rt.name, MiB(m.helpers.rssKiB) / pods);
      if (round === 0) ctx.notes.push(`${rt.name} helpers with ${shape}: ${describeHelpers(m.helpers)}`);
    },
    notLoaded,
  );

  await ctx.alternate(
    [listPods],
    s.listRounds,
    s.warmup,
    async (rt, _r, warm) => {
      let n = 0;
      const ms = await timed(async () => (n = (await rt.client.runtime('ListPodSandbox', {}, t)).items.length));
      if (n < pods) throw new Error(`ListPodSandbox returned ${n} pods, expected at least ${pods}`);
      if (!warm) ctx.add(listPods, rt.name, ms);
    },
    notLoaded,
  );
  await ctx.alternate(
    [listCtrs],
    s.listRounds,
    s.warmup,
    async (rt, _r, warm) => {
      let n = 0;
      const ms = await timed(async () => (n = (await rt.client.runtime('ListContainers', {}, t)).containers.length));
      if (n < ctrs) throw new Error(`ListContainers returned ${n} containers, expected at least ${ctrs}`);
      if (!warm) ctx.add(listCtrs, rt.name, ms);
    },
    notLoaded,
  );

  const pick = (rt: BenchRuntime, i: number): string => {
    const hs = handles.get(rt.name) ?? [];
    const h = hs[i % hs.length];
    const id = h?.containerIds[Math.floor(i / hs.length) % s.containersPerPod];
    if (!id) throw new Error('no container to query');
    return id;
  };
  await ctx.alternate(
    [status],
    s.statusRounds,
    s.warmup,
    async (rt, r, warm) => {
      const id = pick(rt, r + s.warmup);
      let state = '';
      const ms = await timed(async () => (state = (await rt.client.runtime('ContainerStatus', { container_id: id, verbose: false }, t)).status?.state ?? ''));
      if (state !== 'CONTAINER_RUNNING') throw new Error(`ContainerStatus says ${state || 'nothing'} for a running container`);
      if (!warm) ctx.add(status, rt.name, ms);
    },
    notLoaded,
  );
  await ctx.alternate(
    [version],
    s.statusRounds,
    s.warmup,
    async (rt, _r, warm) => {
      let name = '';
      const ms = await timed(async () => (name = (await rt.client.runtime('Version', { version: 'v1' }, t)).runtime_name));
      if (!name) throw new Error('Version returned no runtime name');
      if (!warm) ctx.add(version, rt.name, ms);
    },
    notLoaded,
  );
  await ctx.alternate(
    [exec],
    s.execRounds,
    s.warmup,
    async (rt, r, warm) => {
      const id = pick(rt, r + s.warmup);
      let res: { exit_code: number; stdout: Buffer } | undefined;
      const ms = await timed(async () => (res = await rt.client.runtime('ExecSync', { container_id: id, cmd: ['/bin/echo', 'ok'], timeout: '10' }, t)));
      if (res?.exit_code !== 0 || res.stdout.toString().trim() !== 'ok') throw new Error(`ExecSync echo returned exit ${res?.exit_code} "${res?.stdout.toString()}"`);
      if (!warm) ctx.add(exec, rt.name, ms);
    },
    notLoaded,
  );

  await ctx.alternate(
    [restart],
    s.restartRounds,
    0,
    async (rt) => {
      await rt.stop();
      const t0 = performance.now();
      await rt.start();
      for (;;) {
        const ok = await ready(rt.client).catch(() => false);
        if (ok && (await listedPods(rt.client, ctx.runId).catch(() => 0)) >= pods) break;
        if (performance.now() - t0 > 120_000) throw new Error(`not ready with ${pods} pods listed within 120 s of the restart`);
        await sleep(5);
      }
      ctx.add(restart, rt.name, performance.now() - t0);
      const running = await countRunning(rt.client, ctx.runId);
      if (running < ctrs) ctx.notes.push(`${rt.name}: after a restart only ${running} of ${ctrs} containers were RUNNING`);
    },
    notLoaded,
  );

  for (const rt of ctx.runtimes) {
    if (!rt.running || run.aborted) continue;
    log(`${rt.name}: removing ${shape}`);
    await removeRunPods(rt.client, ctx.runId).catch((err: unknown) => log(`${rt.name}: teardown: ${errorText(err)}`));
  }
}
