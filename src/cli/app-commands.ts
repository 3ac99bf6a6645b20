// `rktlet app …`: pods and their containers ("apps", as rkt calls them) without a daemon, on the
// same state root as `rktlet serve` and safe beside it. Each verb runs the CRI handler the daemon
// would run for the kubelet (same validation, locks, rollback and records), loaded when it runs
// (app-verbs.ts); `app list` only reads the records, as `rktlet pods` and `rktlet ps` do.
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors/catalog.js';
import { collect, formatTable, isoTime, printJson } from './table.js';
import type { AddFlags, SandboxFlags } from './app-requests.js';
import type { ContainerRecord } from '../container/types.js';
import { readerConfig } from './options.js';
import { loadPods } from '../pod/offline-view.js';
import { loadContainers } from '../container/offline-view.js';
import { describePod, pickOne } from './refs.js';

const verbs = () => import('./app-verbs.js');

/** Rows of `rktlet app list`. */
export function appRows(records: ContainerRecord[]): string[][] {
  const rows = [['ID', 'NAME', 'IMAGE', 'STATE', 'CREATED', 'EXIT']];
  for (const r of [...records].sort((a, b) => (BigInt(a.meta.createdAtNs) < BigInt(b.meta.createdAtNs) ? -1 : 1))) {
    const exited = r.status.state === 'exited';
    rows.push([r.meta.id.slice(0, 13), r.meta.name, r.meta.image, r.status.state.toUpperCase(), isoTime(r.meta.createdAtNs), exited ? String(r.status.exitCode) : '-']);
  }
  return rows;
}

export function registerAppCommands(program: Command): void {
  const app = program.command('app').description('pods and their containers (apps), without a daemon');

  app
    .command('sandbox')
    .description('create and start a pod sandbox (its network and namespaces; an infra process only when it shares a PID namespace); prints its ID')
    .option('--name <name>', 'pod name (default sandbox-<random>)')
    .option('--namespace <ns>', 'pod namespace', 'default')
    .option('--uid <uid>', 'pod UID (default a random UUID)')
    .option('--hostname <name>', 'hostname inside the pod (default the pod name when it is a valid host name, else the node\'s)')
    .option('--net <mode>', '"host" shares the node network; default: a network namespace on the CNI network')
    .option('--port <host:container[/proto]>', 'publish a port (repeatable)', collect)
    .option('--label <k=v>', 'label (repeatable)', collect)
    .option('--runtime <handler>', 'RuntimeClass handler (default the configured default)')
    .action(async (o: SandboxFlags, cmd: Command) => {
      const v = await verbs();
      await v.withEngine(cmd, async (ctx) => {
        const req = v.criRequest('RunPodSandbox', v.sandboxRequest(o, ctx.engine.config.root));
        const meta = req.config!.metadata!;
        const res = await v.withUniquePodName(ctx, meta.namespace, meta.name, () => v.runPodSandbox(ctx, req));
        process.stdout.write(res.pod_sandbox_id + '\n');
      });
    });

  app
    .command('add')
    .description('create a container in the pod (pulls the image when missing); prints its ID')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .argument('<image>', 'image reference')
    .argument('[command...]', 'command and arguments after --, replacing the image entrypoint')
    .option('--name <name>', 'app name (default from the image name)')
    .option('--env <k=v>', 'environment variable (repeatable)', collect)
    .option('--workdir <dir>', 'working directory')
    .option('--user <user>', 'UID[:GID] or user name to run as')
    .option('--tty', 'allocate a terminal')
    .option('--stdin', 'keep stdin open (for attach)')
    .option('--mount <src:dst[:ro]>', 'bind mount (repeatable)', collect)
    .option('--label <k=v>', 'label (repeatable)', collect)
    .action(async (podRef: string, image: string, command: string[], o: AddFlags, cmd: Command) => {
      const v = await verbs();
      await v.withEngine(cmd, async (ctx) => {
        const pod = v.findPod(ctx, podRef);
        // As the kubelet's IfNotPresent pull policy.
        if (!ctx.engine.images.resolve(image)) await ctx.engine.images.pull(image);
        const res = await v.containerCreate(ctx, v.criRequest('CreateContainer', v.addRequest(pod.id, pod.config, image, o, command)));
        process.stdout.write(res.container_id + '\n');
      });
    });

  app
    .command('start')
    .description("start a created app")
    .argument('<pod>', 'pod ID, ID prefix or name')
    .requiredOption('--app <name|id>', 'the app')
    .action(async (podRef: string, o: { app: string }, cmd: Command) => {
      const v = await verbs();
      await v.withEngine(cmd, async (ctx) => {
        const r = v.findApp(ctx, v.findPod(ctx, podRef), o.app);
        await v.containerStart(ctx, v.criRequest('StartContainer', { container_id: r.meta.id }));
      });
    });

  app
    .command('stop')
    .description('stop an app: its stop signal, SIGKILL after the timeout')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .requiredOption('--app <name|id>', 'the app')
    .option('--timeout <seconds>', 'grace period before SIGKILL', '10')
    .action(async (podRef: string, o: { app: string; timeout: string }, cmd: Command) => {
      if (!/^\d+$/.test(o.timeout)) throw new InvalidArgumentError(`--timeout must be a number of seconds, got "${o.timeout}"`);
      const v = await verbs();
      await v.withEngine(cmd, async (ctx) => {
        const r = v.findApp(ctx, v.findPod(ctx, podRef), o.app);
        await v.containerStop(ctx, v.criRequest('StopContainer', { container_id: r.meta.id, timeout: o.timeout }));
      });
    });

  app
    .command('rm')
    .description('remove an app (killed first when running)')
    .argument('<pod>', 'pod ID, ID prefix or name')
    .requiredOption('--app <name|id>', 'the app')
    .action(async (podRef: string, o: { app: string }, cmd: Command) => {
      const v = await verbs();
      await v.withEngine(cmd, async (ctx) => {
        const r = v.findApp(ctx, v.findPod(ctx, podRef), o.app);
        await v.containerRemove(ctx, v.criRequest('RemoveContainer', { container_id: r.meta.id }));
      });
    });

  app
    .command('list')
    .description("the pod's apps")
    .argument('<pod>', 'pod ID, ID prefix or name')
    .action(async (podRef: string, _o: unknown, cmd: Command) => {
      const config = await readerConfig(cmd);
      const pod = pickOne('pod', podRef, await loadPods(config), describePod);
      process.stdout.write(formatTable(appRows((await loadContainers(config)).filter((r) => r.meta.podId === pod.id))));
    });

  app
    .command('status')
    .description("an app's status as ContainerStatus reports it, as JSON")
    .argument('<pod>', 'pod ID, ID prefix or name')
    .requiredOption('--app <name|id>', 'the app')
    .action(async (podRef: string, o: { app: string }, cmd: Command) => {
      const v = await verbs();
      await v.withEngine(cmd, async (ctx) => {
        const r = v.findApp(ctx, v.findPod(ctx, podRef), o.app);
        printJson((await v.containerStatus(ctx, v.criRequest('ContainerStatus', { container_id: r.meta.id }))).status);
      });
    });
}
