// `rktlet pods`, `rktlet pod status|stop|rm`: pod sandboxes without a daemon, through the same CRI
// handlers the daemon runs (state root shared with a running `rktlet serve`).
import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listPodSandbox } from '../cri/pod-list.js';
import { podSandboxStatus } from '../cri/pod-status.js';
import { stopPodSandbox } from '../cri/pod-stop.js';
import { removePodSandbox } from '../cri/pod-remove.js';
import { InvalidArgumentError } from '../errors/catalog.js';
import type { PodSandbox } from '../gen/runtime/v1/PodSandbox.js';
import { formatTable } from './image-commands.js';
import { criRequest, findPod, isoTime, printJson, withEngine } from './app-engine.js';

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
      await withEngine(cmd, async (ctx) => {
        const filter = state ? { state: { state: state === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY' } } : null;
        const { items } = await listPodSandbox(ctx, criRequest('ListPodSandbox', { filter }));
        const list = (items ?? []) as PodSandbox[];
        process.stdout.write(o.quiet ? list.map((p) => `${p.id}\n`).join('') : formatTable(podRows(list)));
      });
    });

  const pod = program.command('pod').description('one pod sandbox');

  pod
    .command('status')
    .description('status as PodSandboxStatus reports it (state, IPs, namespaces), as JSON')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .option('--verbose', "add the runtime's own view")
    .action(async (ref: string, o: { verbose?: boolean }, cmd: Command) => {
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
      await withEngine(cmd, async (ctx) => {
        await stopPodSandbox(ctx, criRequest('StopPodSandbox', { pod_sandbox_id: findPod(ctx, ref).id }));
      });
    });

  pod
    .command('rm')
    .description('remove the pod and everything in it (stopped first)')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      await withEngine(cmd, async (ctx) => {
        const p = findPod(ctx, ref);
        await removePodSandbox(ctx, criRequest('RemovePodSandbox', { pod_sandbox_id: p.id }));
        // Logs of pods `app sandbox` made go with them (the kubelet cleans up its own log dirs).
        const ours = join(ctx.engine.config.root, 'pod-logs');
        if (p.logDirectory.startsWith(ours + '/')) await rm(p.logDirectory, { recursive: true, force: true });
      });
    });
}
