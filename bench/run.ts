// `npm run bench`: rktlet against containerd on this machine, through the same CRI client.
// Starts a local registry, containerd and rktlet on private dirs, runs the scenarios alternating
// the runtimes, writes bench/results/{latest,<date>}.{md,json}, and removes everything it made
// (also on Ctrl-C / SIGTERM).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readdirSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { packageRoot } from '../src/util/package-info.js';
import { BenchContext, log, run, type BenchImages } from './lib/bench-context.js';
import { Cleanup } from './lib/cleanup.js';
import { LocalRegistry } from './lib/registry.js';
import { busyboxImage, pauseImage, bigImage, pushImage } from './lib/oci-image.js';
import { ContainerdRuntime, RktletRuntime, type BenchRuntime } from './lib/runtimes.js';
import { loadSettings, describeSettings, type ScenarioName } from './lib/settings.js';
import { renderMarkdown, toJson, type Report } from './lib/report.js';
import { machineInfo, versions } from './lib/machine.js';
import { errorText, removeRunPods, CALL_TIMEOUT_MS } from './lib/pods.js';
import {
  deleteRuncContainers,
  killProcessesUnder,
  listNetns,
  removeNewNetns,
  unmountUnder,
  deleteLink,
  removeIptablesChains,
  removeCniState,
  cgroupDirs,
  removeCgroupTree,
} from './lib/host-cleanup.js';
import { lifecycle } from './scenarios/lifecycle.js';
import { pull } from './scenarios/pull.js';
import { concurrent } from './scenarios/concurrent.js';
import { idleMemory } from './scenarios/idle-memory.js';
import { loaded } from './scenarios/loaded.js';
import { kubelet } from './scenarios/kubelet.js';
import { freeNetworks } from './lib/free-network.js';
import type { BridgeNetwork } from './lib/containerd-config.js';

// Each runtime's own bridge and subnet, picked free on this host for this run.
const [ctrNet, rkNet] = freeNetworks(['ctb', 'rkb']) as [BridgeNetwork, BridgeNetwork];
const NETWORKS = { containerd: ctrNet, rktlet: rkNet };
const LOCK = '/run/rktlet-bench.pid';
const SCENARIO_FNS: Record<ScenarioName, (ctx: BenchContext) => Promise<void>> = {
  lifecycle,
  'idle-memory': idleMemory,
  pull,
  concurrent,
  loaded,
  kubelet,
};

function takeLock(cleanup: Cleanup): void {
  if (existsSync(LOCK)) {
    const pid = Number(readFileSync(LOCK, 'utf8').trim());
    let alive: boolean;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (alive && pid !== process.pid) throw new Error(`another bench run is in progress (pid ${pid}, ${LOCK})`);
  }
  writeFileSync(LOCK, `${process.pid}\n`);
  cleanup.add('lock', () => rmSync(LOCK, { force: true }));
}

async function pullBase(rt: BenchRuntime, images: BenchImages): Promise<string | undefined> {
  try {
    await rt.client.image('PullImage', { image: { image: images.busybox } }, { timeoutMs: CALL_TIMEOUT_MS });
    return undefined;
  } catch (err) {
    return `${rt.name} could not pull ${images.busybox}: ${errorText(err)}`;
  }
}

const cleanup = new Cleanup();

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  if (process.getuid?.() !== 0) throw new Error('the bench runs runtimes and must run as root');
  cleanup.installSignalHandlers();
  takeLock(cleanup);
  const started = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const base = mkdtempSync(join(tmpdir(), 'rktlet-bench-'));
  const runId = basename(base).replace('rktlet-bench-', '');
  const logsOut = join(tmpdir(), 'rktlet-bench-logs');
  cleanup.add('temp dir', () => rmSync(base, { recursive: true, force: true }));
  cleanup.add('keep daemon logs', () => {
    rmSync(logsOut, { recursive: true, force: true });
    mkdirSync(logsOut, { recursive: true });
    for (const d of ['containerd', 'rktlet', 'registry']) {
      for (const f of existsSync(join(base, d)) ? readdirSync(join(base, d)) : []) {
        if (f.endsWith('.log')) copyFileSync(join(base, d, f), join(logsOut, `${d}-${f}`));
      }
    }
  });
  const netnsBefore = listNetns();
  // containerd puts pods under /k8s.io/<id> with the cgroupfs driver; remove the parent if we made it.
  const cgroupsBefore = new Set(cgroupDirs('k8s.io'));
  const netNames = Object.values(NETWORKS).map((n) => n.bridge);
  cleanup.add('host state', () => {
    const ctrs = deleteRuncContainers(base);
    const procs = killProcessesUnder(base);
    const ns = removeNewNetns(netnsBefore, 'cni-');
    const mounts = unmountUnder(base);
    if (mounts.length) log(`clean-up: unmounted ${mounts.join(', ')}`);
    for (const n of Object.values(NETWORKS)) deleteLink(n.bridge);
    removeIptablesChains(netNames);
    removeCniState(netNames);
    for (const d of cgroupDirs('k8s.io')) if (!cgroupsBefore.has(d)) removeCgroupTree(d);
    if (ctrs + procs.length + ns.length + mounts.length > 0) {
      log(`clean-up: removed ${ctrs} leftover containers, ${procs.length} processes, ${ns.length} netns, ${mounts.length} mounts`);
    }
  });
  log(`run ${runId} in ${base} (${settings.quick ? 'quick' : 'full'}); networks ${Object.entries(NETWORKS).map(([k, n]) => `${k} ${n.bridge} ${n.subnet}`).join(', ')}`);

  const registry = await LocalRegistry.start(join(base, 'registry'));
  cleanup.add('registry', () => registry.stop());
  log(`registry on ${registry.host}; building and pushing images`);
  const images: BenchImages = {
    busybox: `${registry.host}/bench/busybox:1`,
    pause: `${registry.host}/bench/pause:1`,
    big: `${registry.host}/bench/big:1`,
  };
  await pushImage(registry.host, 'bench/busybox', '1', await busyboxImage());
  await pushImage(registry.host, 'bench/pause', '1', await pauseImage());
  const big = await bigImage(settings.imageMiB * 2 ** 20, settings.imageLayers);
  await pushImage(registry.host, 'bench/big', '1', big);
  log(`pushed busybox, pause and a ${(big.size / 2 ** 20).toFixed(1)} MiB ${big.layers.length}-layer image`);

  const runtimes: BenchRuntime[] = [];
  const notes: string[] = [];
  for (const name of settings.runtimes) {
    const setup = { dir: join(base, name), registryHost: registry.host, network: NETWORKS[name], logLevel: settings.logLevel, nodeArgs: settings.rktletNodeArgs };
    mkdirSync(setup.dir, { recursive: true });
    const rt = name === 'containerd' ? new ContainerdRuntime(setup, images.pause) : new RktletRuntime(setup);
    cleanup.add(`${name} daemon`, async () => {
      if (rt.running) await removeRunPods(rt.client, runId).catch((err: unknown) => log(`clean-up: ${name}: ${errorText(err)}`));
      await rt.stop();
    });
    runtimes.push(rt);
  }
  const logRoot = join(base, 'pod-logs');
  const ctx = new BenchContext(settings, runtimes, runId, logRoot, images);
  for (const rt of runtimes) {
    try {
      await rt.start();
      log(`${rt.name} is up (pid ${rt.daemon?.pid})`);
      const err = await pullBase(rt, images);
      if (err) notes.push(err);
    } catch (err) {
      notes.push(`${rt.name} did not start: ${errorText(err)}`);
      log(`${rt.name} did not start: ${errorText(err)}`);
    }
  }
  const rk = runtimes.find((r) => r.name === 'rktlet');
  let rkVersion = '';
  if (rk?.running) rkVersion = (await rk.client.runtime('Version', {}).catch(() => undefined))?.runtime_version ?? '';

  const vers = await versions(rkVersion);
  const outDir = settings.outDir || (settings.quick ? tmpdir() : join(packageRoot, 'bench', 'results'));
  const stamp = started.toISOString().slice(0, 16).replace(/:/g, '');
  // Written after every scenario, so an interrupted or overrunning run still leaves its figures.
  const writeResults = (status: string): string => {
    const report: Report = {
      date: started.toISOString(),
      machine: machineInfo(),
      versions: vers,
      settings: {
        status,
        ...describeSettings(settings),
        'wall time': `${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`,
        // Other work on the machine skews both runtimes; this says how busy it was.
        'load average (1 min) at start / end': `${loadAtStart.toFixed(2)} / ${(loadavg()[0] ?? 0).toFixed(2)}`,
      },
      rows: ctx.rows,
      notes: [
        'containerd 1.6 runs one containerd-shim-runc-v2 per pod (with a pause container from a catatonit image); rktlet runs conmon per container and, by default (pod.drop_infra), no infra process: the pod namespaces are pinned as files (an infra from the host catatonit only for pods sharing a PID namespace; none in these scenarios).',
        'Both runtimes use the same runc (cgroupfs driver), the same CNI plugins with a bridge network of the same shape (bridge + host-local + portmap; containerd also runs the loopback plugin as its own network, rktlet brings lo up with `ip` in the unshare that creates the namespace), each with its own bridge and subnet, and the same local registry over plain HTTP.',
        'Pods and containers are asked for the RuntimeDefault seccomp profile (as the kubelet does with SeccompDefault), so both runtimes load a filter at every create and exec.',
        "Helper processes are the host-pid-namespace processes, other than the daemon, whose command line names a path in the runtime's private directory; PSS splits shared pages among the processes sharing them.",
        ...notes,
        ...ctx.notes,
      ],
    };
    const md = renderMarkdown(report);
    const json = `${JSON.stringify(toJson(report), null, 2)}\n`;
    mkdirSync(outDir, { recursive: true });
    const names = settings.quick && !settings.outDir ? ['rktlet-bench-quick'] : ['latest', stamp];
    for (const name of names) {
      writeFileSync(join(outDir, `${name}.md`), md);
      writeFileSync(join(outDir, `${name}.json`), json);
    }
    return md;
  };

  let done = 0;
  for (const name of settings.scenarios) {
    if (run.aborted) return;
    log(`scenario ${name}`);
    try {
      await SCENARIO_FNS[name](ctx);
    } catch (err) {
      notes.push(`scenario ${name} stopped: ${errorText(err)}`);
      log(`scenario ${name} stopped: ${errorText(err)}`);
    }
    if (run.aborted) return;
    done++;
    if (done < settings.scenarios.length) writeResults(`incomplete: ${done} of ${settings.scenarios.length} scenarios done`);
  }
  const md = writeResults('complete');
  process.stdout.write(md);
  log(`results written to ${outDir}; cleaning up`);
  await cleanup.run();
  log(`done; daemon logs kept in ${logsOut}`);
}

main()
  .catch(async (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
    await cleanup.run();
  })
  // Everything is cleaned up by now: a client channel or timer left behind must not keep the
  // run (and the lock callers hold around it) alive.
  .finally(() => process.exit());
