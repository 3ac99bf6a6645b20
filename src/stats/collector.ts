// Builds the CRI stats and metrics of containers and pods from their cgroups, network namespace
// and writable layer. It knows records only through StatsDeps, so it runs with fakes in unit
// tests; engine-stats.ts wires it to the engine. Keeps the CPU rate baselines in memory.
import type { ContainerStats } from '../gen/runtime/v1/ContainerStats.js';
import type { PodSandboxStats } from '../gen/runtime/v1/PodSandboxStats.js';
import type { PodSandboxMetrics } from '../gen/runtime/v1/PodSandboxMetrics.js';
import type { ContainerRecord } from '../container/types.js';
import type { PodRecord } from '../pod/types.js';
import { nowNs } from '../util/time.js';
import { cgroupPathFromConfig, detectLayout, dirsForPath, dirsForProcess, parseProcCgroup, type CgroupDirs, type CgroupLayout } from './cgroup-layout.js';
import { readCgroupV1 } from './cgroup-v1.js';
import { readCgroupV2 } from './cgroup-v2.js';
import type { CgroupSample } from './cgroup-sample.js';
import { CpuRateTracker } from './cpu-rate.js';
import { readNetDev, type InterfaceCounters } from './net-dev.js';
import { cpuUsage, filesystemUsage, ioUsage, memoryUsage, networkUsage, processUsage, swapUsage } from './to-cri.js';
import { sandboxMetrics } from '../metrics/sandbox-metrics.js';
import type { MetricSubject } from '../metrics/catalog.js';
import { blockDeviceNames } from './block-devices.js';
import { readPseudoFile, yieldToLoop } from './read-file.js';

export interface StatsDeps {
  cgroupDriver: 'cgroupfs' | 'systemd';
  /** Writable layer usage of a container; undefined when it has none (removed). */
  writableLayer(id: string): Promise<{ bytes: number; inodes: number } | undefined>;
  /** fs_id.mountpoint of writable layers (the same as ImageFsInfo's container filesystem). */
  writableLayerMountpoint: string;
  /** Host cgroup layout (tests pass fixture trees). */
  layout?: () => Promise<CgroupLayout>;
  /** Network counters of a pid's namespace (tests pass fixtures). */
  netDev?: (pid: number) => Promise<InterfaceCounters[] | undefined>;
}

function hasFigures(s: CgroupSample): boolean {
  return s.cpu !== undefined || s.memory !== undefined;
}

async function read(dirs: CgroupDirs): Promise<CgroupSample> {
  return dirs.version === 2 ? readCgroupV2(dirs.dir) : readCgroupV1(dirs.dirs);
}

export class StatsCollector {
  readonly rates = new CpuRateTracker();
  /** Writable-layer walks in flight: concurrent stats calls share one walk per container. */
  private readonly layerWalks = new Map<string, Promise<{ bytes: number; inodes: number } | undefined>>();

  /** The last turn handed out: see nextTurn(). */
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly deps: StatsDeps) {}

  /**
   * Resolves in an event-loop turn of its own, after every earlier caller's: concurrent samples
   * (a List* call's Promise.all, several calls at once) read their cgroup files one container
   * per turn, with timers and other calls' I/O in between (the reads are synchronous: read-file.ts).
   */
  private nextTurn(): Promise<void> {
    const t = this.turn.then(yieldToLoop);
    this.turn = t;
    return t;
  }

  private layout(): Promise<CgroupLayout> {
    return (this.deps.layout ?? detectLayout)();
  }

  /** A cgroup by its configured path; falls back to where `pid` actually is when that path has nothing. */
  async sampleCgroup(configuredPath: string, pid: number): Promise<{ sample: CgroupSample; path: string } | undefined> {
    const layout = await this.layout();
    await this.nextTurn();
    const path = configuredPath ? cgroupPathFromConfig(this.deps.cgroupDriver, configuredPath) : '';
    if (path) {
      const sample = await read(dirsForPath(layout, path));
      if (hasFigures(sample)) return { sample, path };
    }
    if (pid > 0) {
      const text = readPseudoFile(`/proc/${pid}/cgroup`); // undefined: the process is gone
      const pc = text === undefined ? undefined : parseProcCgroup(text);
      const dirs = pc && dirsForProcess(layout, pc);
      if (pc && dirs) {
        const sample = await read(dirs);
        if (hasFigures(sample)) return { sample, path: pc.get('memory') ?? pc.get('') ?? path };
      }
    }
    return undefined;
  }

  private async containerSample(r: ContainerRecord) {
    const live = r.status.state === 'running' || r.status.state === 'created';
    const [cg, layer] = await Promise.all([live ? this.sampleCgroup(r.meta.cgroupsPath, r.status.pid) : undefined, this.layerUsage(r.meta.id)]);
    return { cg, layer };
  }

  private layerUsage(id: string): Promise<{ bytes: number; inodes: number } | undefined> {
    let p = this.layerWalks.get(id);
    if (!p) {
      p = this.deps
        .writableLayer(id)
        .catch(() => undefined)
        .finally(() => this.layerWalks.delete(id));
      this.layerWalks.set(id, p);
    }
    return p;
  }

  async containerStats(r: ContainerRecord): Promise<ContainerStats> {
    const { cg, layer } = await this.containerSample(r);
    const stats: ContainerStats = {
      attributes: { id: r.meta.id, metadata: { name: r.meta.name, attempt: r.meta.attempt }, labels: { ...r.meta.labels }, annotations: { ...r.meta.annotations } },
      cpu: null,
      memory: null,
      swap: null,
      io: null,
      writable_layer: filesystemUsage(cg?.sample.timestampNs ?? nowNs(), this.deps.writableLayerMountpoint, layer),
    };
    if (cg) {
      const s = cg.sample;
      stats.cpu = cpuUsage(s, s.cpu ? this.rates.update(r.meta.id, s.timestampNs, s.cpu.usageNs) : undefined);
      stats.memory = memoryUsage(s);
      stats.swap = swapUsage(s);
      stats.io = ioUsage(s);
    }
    return stats;
  }

  private async podNetwork(p: PodRecord, containers: ContainerRecord[]): Promise<InterfaceCounters[] | undefined> {
    // Host-network pods share the node's counters: not the pod's to report.
    if (p.namespaces.network === 'NODE' || p.state !== 'SANDBOX_READY') return undefined;
    // Any process in the pod's network namespace shows its counters: the infra, else a running container.
    const pid = p.infraPid > 0 ? p.infraPid : containers.find((c) => c.status.state === 'running' && c.status.pid > 0)?.status.pid;
    return pid ? (this.deps.netDev ?? readNetDev)(pid) : undefined;
  }

  async podStats(p: PodRecord, containers: ContainerRecord[]): Promise<PodSandboxStats> {
    const [cg, net, cstats] = await Promise.all([
      p.state === 'SANDBOX_READY' ? this.sampleCgroup(p.cgroupParent, 0) : Promise.resolve(undefined),
      this.podNetwork(p, containers),
      Promise.all(containers.map((c) => this.containerStats(c))),
    ]);
    const s = cg?.sample;
    return {
      attributes: {
        id: p.id,
        metadata: { ...p.metadata },
        labels: { ...p.config.labels },
        annotations: { ...p.config.annotations },
      },
      linux: {
        cpu: s ? cpuUsage(s, s.cpu ? this.rates.update(`pod:${p.id}`, s.timestampNs, s.cpu.usageNs) : undefined) : null,
        memory: s ? memoryUsage(s) : null,
        network: networkUsage(s?.timestampNs ?? nowNs(), net),
        process: s ? processUsage(s) : null,
        io: s ? ioUsage(s) : null,
        containers: cstats,
      },
      windows: null,
    };
  }

  async podMetrics(p: PodRecord, containers: ContainerRecord[]): Promise<PodSandboxMetrics> {
    const deviceNames = await blockDeviceNames();
    const base = { namespace: p.metadata.namespace, pod: p.metadata.name };
    const [cg, net] = await Promise.all([p.state === 'SANDBOX_READY' ? this.sampleCgroup(p.cgroupParent, 0) : Promise.resolve(undefined), this.podNetwork(p, containers)]);
    const pod: MetricSubject = {
      labels: { ...base, container: '', id: cg?.path ?? cgroupPathFromConfig(this.deps.cgroupDriver, p.cgroupParent), image: '', name: '' },
      sample: cg?.sample,
      network: net,
      deviceNames,
    };
    const cs = await Promise.all(
      containers.map(async (r) => {
        const { cg: ccg, layer } = await this.containerSample(r);
        const subject: MetricSubject = {
          labels: { ...base, container: r.meta.name, id: ccg?.path ?? cgroupPathFromConfig(this.deps.cgroupDriver, r.meta.cgroupsPath), image: r.meta.image, name: r.meta.id },
          sample: ccg?.sample,
          writableLayer: layer ? { mountpoint: this.deps.writableLayerMountpoint, ...layer } : undefined,
          startedAtNs: r.status.startedAtNs && r.status.startedAtNs !== '0' ? BigInt(r.status.startedAtNs) : undefined,
          deviceNames,
        };
        return { id: r.meta.id, subject };
      }),
    );
    return sandboxMetrics(p.id, pod, cs);
  }

  /** Forgets rate baselines of containers and pods that no longer exist. */
  prune(liveContainerIds: string[], livePodIds: string[]): void {
    this.rates.retain([...liveContainerIds, ...livePodIds.map((id) => `pod:${id}`)]);
  }
}
