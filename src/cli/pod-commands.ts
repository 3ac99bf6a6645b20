// `rktlet pods`, `rktlet pod status|stop|rm`: pod sandboxes without a daemon (state root shared
// with a running `rktlet serve`). `pods` reads the records (src/pod/offline-view.ts); the others
// run the same CRI handlers the daemon runs, in an engine only they load.
import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors/catalog.js';
import type { PodSandbox } from '../gen/runtime/v1/PodSandbox.js';
import { formatTable, isoTime, printJson } from './table.js';
import { readerConfig } from './options.js';
import { loadPods } from '../pod/offline-view.js';
import { filterPods } from '../pod/filter.js';
import { toPodSandbox } from '../cri/pod-convert.js';

/** Rows like `crictl pods`. */
export function podRows(pods: PodSandbox[]): string[][] {
  const rows = [['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME']];
  for (const p of pods) {
    const state = p.state === 'SANDBOX_READY' ? 'Ready' : 'NotReady';
    rows.push([String(p.id).slice(0, 13), isoTime(String(p.created_at ?? 0)), state, p.metadata?.name ?? '', p.metadata?.namespace ?? '', String(p.metadata?.attempt ?? 0), p.runtime_handler || '(default)']);
  }
  return rows;
}

export function registerPodCommands(program: Command): void {
  program
    .command('pods')
    .description('list pod sandboxes')
    .option('-q, --quiet', 'IDs only')
    .option('--state <state>', 'ready or notready')
    .action(async (o: { quiet?: boolean; state?: string }, cmd: Command) => {
      const state = o.state?.toLowerCase();
      if (state !== undefined && state !== 'ready' && state !== 'notready') throw new InvalidArgumentError(`--state must be ready or notready, got "${o.state}"`);
      const config = await readerConfig(cmd);
      const wanted = state === undefined ? null : { state: state === 'ready' ? ('SANDBOX_READY' as const) : ('SANDBOX_NOTREADY' as const) };
      const list = filterPods(await loadPods(config), { id: '', state: wanted, label_selector: {} }).map(toPodSandbox);
      process.stdout.write(o.quiet ? list.map((p) => `${p.id}\n`).join('') : formatTable(podRows(list)));
    });

  const pod = program.command('pod').description('one pod sandbox');

  pod
    .command('status')
    .description('status as PodSandboxStatus reports it (state, IPs, namespaces), as JSON')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .option('--verbose', "add the runtime's own view")
    .action(async (ref: string, o: { verbose?: boolean }, cmd: Command) => {
      const [{ withEngine, findPod, criRequest }, { podSandboxStatus }] = await Promise.all([import('./app-engine.js'), import('../cri/pod-status.js')]);
      await withEngine(cmd, async (ctx) => {
        const p = findPod(ctx, ref);
        const res = await podSandboxStatus(ctx, criRequest('PodSandboxStatus', { pod_sandbox_id: p.id, verbose: !!o.verbose }));
        printJson(o.verbose ? { status: res.status, info: res.info } : res.status);
      });
    });

  pod
    .command('stop')
    .description("stop the pod: its apps, its network, its infra")
    .argument('<pod>', 'pod ID, ID prefix or name')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const [{ withEngine, findPod, criRequest }, { stopPodSandbox }] = await Promise.all([import('./app-engine.js'), import('../cri/pod-stop.js')]);
      await withEngine(cmd, async (ctx) => {
        await stopPodSandbox(ctx, criRequest('StopPodSandbox', { pod_sandbox_id: findPod(ctx, ref).id }));
      });
    });

  pod
    .command('rm')
    .description('remove the pod and everything in it (stopped first)')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const [{ withEngine, findPod, criRequest }, { removePodSandbox }] = await Promise.all([import('./app-engine.js'), import('../cri/pod-remove.js')]);
      await withEngine(cmd, async (ctx) => {
        const p = findPod(ctx, ref);
        await removePodSandbox(ctx, criRequest('RemovePodSandbox', { pod_sandbox_id: p.id }));
        // Logs of pods `app sandbox` made go with them (the kubelet cleans up its own log dirs).
        const ours = join(ctx.engine.config.root, 'pod-logs');
        if (p.logDirectory.startsWith(ours + '/')) await rm(p.logDirectory, { recursive: true, force: true });
      });
    });
}
