// The runtime engine shared by the daemon and the CLI: configuration, state directories and the
// parts of the runtime (images, pods, containers, …), each recovered from disk when opened.
import { access, constants, stat } from 'node:fs/promises';
import { complaintOf, runCommand } from './util/command.js';
import type { Config } from './config/schema.js';
import type { Logger } from './log/logger.js';
import { loadNetworkConfig } from './network/cni-config.js';
import { EventBus } from './events/bus.js';
import { ImageService } from './image/image-service.js';
import { OverlaySnapshotter } from './snapshot/overlay-snapshotter.js';
import { join } from 'node:path';
import { ContainerService } from './container/service.js';
import { StreamingService } from './streaming/service.js';
import { ContainerStreaming } from './container/streaming-backend.js';
import { RuntimeSet } from './oci/runtimes.js';
import { PodNetwork } from './network/pod-network.js';
import { PodController } from './pod/controller.js';
import { closeStateDirs } from './store/private-state.js';
import { mountProbe } from './util/mount-probe.js';
import { handlerFeatures, type FeatureProbe, type HandlerFeatures } from './oci/handler-features.js';
import { ConmonRuntime } from './oci/conmon-runtime/runtime.js';

export interface HealthCondition {
  ok: boolean;
  reason: string;
  message: string;
}

export interface EngineHealth {
  runtime: HealthCondition;
  network: HealthCondition;
}

export interface EngineOptions {
  config: Config;
  log: Logger;
  /**
   * Collect unreferenced layers at open (default true). Short-lived CLI verbs skip it: pull leases
   * are per process, so a sweep could take the blobs of a pull the daemon has in flight.
   */
  sweepImages?: boolean;
}

const READY: HealthCondition = { ok: true, reason: '', message: '' };

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// `<binary> --version` results by path, size and mtime: Status is polled every few seconds and
// the binaries rarely change, so each one is run again only when it was replaced. A probe still
// running is shared (the daemon starts them before recovery: see warmHealthProbes).
const versionProbes = new Map<string, { key: string; error: Promise<string> }>();

/** Whether the binary is there and runs: error is '' when `--version` succeeds. */
async function probeBinary(path: string): Promise<{ missing: boolean; error: string }> {
  if (!(await isExecutable(path))) return { missing: true, error: 'not found or not executable' };
  let key: string;
  try {
    const st = await stat(path);
    key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return { missing: true, error: 'not found' };
  }
  const cached = versionProbes.get(path);
  if (cached?.key === key) return { missing: false, error: await cached.error };
  // Through the command launcher, as every other program the daemon runs.
  const error = runCommand(path, ['--version'], { timeoutMs: 5000, maxOutputBytes: 64 * 1024 }).then(
    () => '',
    (err: unknown) => `"${path} --version" failed: ${complaintOf(err).slice(0, 300)}`,
  );
  versionProbes.set(path, { key, error });
  return { missing: false, error: await error };
}

/** Where health() mounts a tmpfs to learn whether the daemon can mount at all. */
function mountProbeDir(config: Config): string {
  return join(config.run_root, 'mount-probe');
}

/** What health() probes: the default handler's OCI runtime and conmon. */
function probedBinaries(config: Config): (readonly [string, string | undefined])[] {
  const rt = config.runtime;
  return [
    ['OCI runtime', rt.handlers[rt.default_handler]?.path],
    ['conmon', rt.conmon],
  ];
}

/**
 * Starts health()'s `--version` probes in the background: the daemon calls it before recovery,
 * so that the first Status finds them done instead of waiting for two process spawns.
 */
export function warmHealthProbes(config: Config, log?: Logger): void {
  for (const [, path] of probedBinaries(config)) if (path) void probeBinary(path).catch(() => undefined);
  void mountProbe(mountProbeDir(config)).then((why) => {
    if (why) log?.error({ reason: 'MountNotPermitted', why }, 'the daemon cannot mount: RuntimeReady is false, pods cannot run');
  });
}

/**
 * What a handler can do on this host: probed through its runtime's command line (conmon-run OCI
 * runtimes); a handler of another kind offers nothing optional.
 */
function probeHandler(config: Config, runtimes: RuntimeSet, handler: string): Promise<FeatureProbe> {
  let rt;
  try {
    rt = runtimes.get(handler);
  } catch (err) {
    return Promise.resolve({ features: { recursive_read_only_mounts: false, user_namespaces: false }, why: err instanceof Error ? err.message : String(err) });
  }
  if (!(rt instanceof ConmonRuntime)) return Promise.resolve({ features: { recursive_read_only_mounts: false, user_namespaces: false }, why: `${rt.name} is not an OCI runtime run by conmon` });
  return handlerFeatures(rt.name, rt.command, join(config.run_root, 'feature-probes'));
}

/** The parts of the engine, each opened (recovered from disk) before the engine is made. */
interface EngineParts {
  events: EventBus;
  snapshots: OverlaySnapshotter;
  images: ImageService;
  runtimes: RuntimeSet;
  network: PodNetwork;
  pods: PodController;
  containers: ContainerService;
  streaming: StreamingService;
}

/**
 * Opens the parts in their order. Pods and containers know each other through narrow hooks: the
 * containers look pods up (PodLookup), a pod's stop and removal reach its containers
 * (PodContainers); neither hook is called before both parts are open.
 */
async function openParts(config: Config, log: Logger, o: { sweepImages: boolean }): Promise<EngineParts> {
  // Closed to other users, also what an older version left open (src/store/private-state.ts).
  await closeStateDirs(config);
  const events = new EventBus();
  const snapshots = new OverlaySnapshotter(join(config.root, 'snapshots'));
  await snapshots.open();
  const images = await ImageService.open(config, log, snapshots);
  // What a crash left between a container's removal and the collection after it (image/removal.ts).
  if (o.sweepImages) await images.sweep().catch((err: unknown) => log.warn({ err }, 'image store sweep failed'));
  const runtimes = new RuntimeSet(config, log);
  const network = new PodNetwork(config);
  const written = await network.init();
  if (written) log.info({ file: written }, 'wrote the default CNI network config');
  const pods = await PodController.open({
    config,
    log,
    network,
    runtimes,
    images,
    snapshots,
    handlerFeatures: (handler) => probeHandler(config, runtimes, handler),
    containers: {
      stopAll: (podId) => containers.stopPod(podId),
      removeAll: (podId) => containers.removePod(podId),
    },
  });
  const podLookup = { get: (id: string) => pods.view(id), withLock: <T>(id: string, fn: () => Promise<T>) => pods.withLock(id, fn) };
  const containers = new ContainerService({
    config,
    log,
    events,
    images,
    snapshots,
    pods: podLookup,
    runtime: (handler) => runtimes.get(handler),
    handlerFeatures: async (handler) => (await probeHandler(config, runtimes, handler)).features,
  });
  await containers.recover();
  const streamingBackend = new ContainerStreaming({ containers, pods: { get: (id) => podLookup.get(id) }, runtime: (handler) => runtimes.get(handler) });
  const streaming = new StreamingService({ config, log, backend: streamingBackend, validator: streamingBackend });
  return { events, snapshots, images, runtimes, network, pods, containers, streaming };
}

export class Engine {
  readonly config: Config;
  readonly log: Logger;
  /** Container lifecycle events (GetContainerEvents, metrics). */
  readonly events: EventBus;
  /** Unpacked layers (by chain ID) and per-container overlay root filesystems. */
  readonly snapshots: OverlaySnapshotter;
  /** Image store, registry pulls (implements ImageLookup: `images.resolve(ref)`). */
  readonly images: ImageService;
  /** The runtimes registry: the OciRuntime of each RuntimeClass handler (runc/crun through conmon). */
  readonly runtimes: RuntimeSet;
  /** CNI networking, pinned network namespaces, the pod CIDR. */
  readonly network: PodNetwork;
  /** Pod sandboxes (PodRecord, view(id) for containers, per-pod locks). */
  readonly pods: PodController;
  /** Containers: store, lifecycle, exit monitor (pods and the OCI runtime come from the pod part). */
  readonly containers: ContainerService;
  /** Exec/Attach/PortForward URLs; the daemon starts its server (streaming.start()), the CLI does not. */
  readonly streaming: StreamingService;

  private constructor(opts: EngineOptions, parts: EngineParts) {
    this.config = opts.config;
    this.log = opts.log;
    this.events = parts.events;
    this.snapshots = parts.snapshots;
    this.images = parts.images;
    this.runtimes = parts.runtimes;
    this.network = parts.network;
    this.pods = parts.pods;
    this.containers = parts.containers;
    this.streaming = parts.streaming;
  }

  /** Creates the state directories and rebuilds every in-memory index from disk. */
  static async open(opts: EngineOptions): Promise<Engine> {
    return new Engine(opts, await openParts(opts.config, opts.log, { sweepImages: opts.sweepImages !== false }));
  }

  /**
   * Catches up with what other processes on this state root (daemonless CLI verbs, or the daemon)
   * wrote: cheap when nothing changed. The server runs it before every call.
   */
  async sync(): Promise<void> {
    await this.pods.sync();
    await this.containers.store.sync();
  }

  async health(): Promise<EngineHealth> {
    const rt = this.config.runtime;
    const handler = rt.handlers[rt.default_handler];
    const missing: string[] = [];
    const broken: string[] = [];
    if (!handler) missing.push(`OCI runtime ${rt.default_handler} (no such handler)`);
    const binaries = probedBinaries(this.config);
    const probes = await Promise.all(binaries.map(([, path]) => (path ? probeBinary(path) : undefined)));
    binaries.forEach(([what, path], i) => {
      const p = probes[i];
      if (!p) return;
      if (p.missing) missing.push(`${what} ${path}`);
      else if (p.error) broken.push(`${what}: ${p.error}`);
    });
    let runtime: HealthCondition = READY;
    const cannotMount = await mountProbe(mountProbeDir(this.config));
    if (missing.length) runtime = { ok: false, reason: 'RuntimeBinaryMissing', message: `not found or not executable: ${missing.join(', ')}` };
    else if (broken.length) runtime = { ok: false, reason: 'RuntimeBinaryBroken', message: broken.join('; ') };
    else if (cannotMount) runtime = { ok: false, reason: 'MountNotPermitted', message: `pods cannot be set up: ${cannotMount}` };
    const net = await loadNetworkConfig(this.config.network.conf_dir, this.config.network.plugin_dirs);
    const network: HealthCondition = net.ok ? READY : { ok: false, reason: net.reason, message: net.message };
    return { runtime, network };
  }

  /** The RuntimeClass handlers this node offers with what each can do here, for Status. */
  async runtimeHandlerInfo(): Promise<{ name: string; features: HandlerFeatures; why: string }[]> {
    const names = Object.keys(this.config.runtime.handlers);
    const probes = await Promise.all(names.map((n) => this.handlerFeatures(n)));
    const out = names.map((name, i) => ({ name, features: probes[i]!.features, why: probes[i]!.why }));
    // The empty name stands for the default handler, as the kubelet expects.
    const def = out.find((h) => h.name === this.config.runtime.default_handler);
    return [{ name: '', features: def?.features ?? { recursive_read_only_mounts: false, user_namespaces: false }, why: def?.why ?? 'no default handler' }, ...out];
  }

  /** One handler's features (probed on this host: src/oci/handler-features.ts). */
  handlerFeatures(handler: string): Promise<FeatureProbe> {
    return probeHandler(this.config, this.runtimes, handler);
  }

  /** Releases in-memory resources; pods and containers keep running. */
  async close(): Promise<void> {
    await this.streaming.close();
    await this.containers.close();
    await this.images.close();
    await this.snapshots.close();
  }
}
