// The engine's stats collector (one per engine, so CPU rate baselines live as long as it does)
// and which records the List* stats calls cover.
import type { Engine } from '../engine.js';
import type { ContainerRecord } from '../container/types.js';
import type { PodRecord } from '../pod/types.js';
import type { ContainerStatsFilter__Output } from '../gen/runtime/v1/ContainerStatsFilter.js';
import type { PodSandboxStatsFilter__Output } from '../gen/runtime/v1/PodSandboxStatsFilter.js';
import { StatsCollector } from './collector.js';
import { FsUsageCache } from './fs-usage-cache.js';

const collectors = new WeakMap<Engine, StatsCollector>();
const fsCaches = new WeakMap<Engine, FsUsageCache>();

/** The engine's disk-usage cache (writable layers, image filesystem), made on first use. */
export function fsUsageFor(engine: Engine): FsUsageCache {
  let c = fsCaches.get(engine);
  if (!c) {
    const cache = new FsUsageCache(
      {
        activeKeys: () => engine.snapshots.activeKeys(),
        layerUsage: (key) => engine.snapshots.usage(key),
        imageFsUsage: () => engine.images.imageFsUsage(),
      },
      engine.config.stats.fs_usage_period_seconds * 1000,
    );
    engine.events.subscribe((e) => {
      if (e.type === 'CONTAINER_DELETED_EVENT') cache.forget(e.containerId);
    });
    fsCaches.set(engine, cache);
    c = cache;
  }
  return c;
}

export function statsFor(engine: Engine): StatsCollector {
  let c = collectors.get(engine);
  if (!c) {
    const fs = fsUsageFor(engine);
    c = new StatsCollector({
      cgroupDriver: engine.config.runtime.cgroup_driver,
      writableLayer: (id) => fs.layer(id),
      writableLayerMountpoint: engine.snapshots.activeDir,
    });
    collectors.set(engine, c);
  }
  return c;
}

const matchesLabels = (labels: Record<string, string>, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Containers with a cgroup (created or running) matching the filter (id and pod id by prefix). */
export function selectContainers(all: ContainerRecord[], f: ContainerStatsFilter__Output | null | undefined): ContainerRecord[] {
  return all.filter(
    (r) =>
      (r.status.state === 'running' || r.status.state === 'created') &&
      !r.status.removing &&
      (!f?.id || r.meta.id.startsWith(f.id)) &&
      (!f?.pod_sandbox_id || r.meta.podId.startsWith(f.pod_sandbox_id)) &&
      matchesLabels(r.meta.labels, f?.label_selector ?? {}),
  );
}

/** Ready pods matching the filter (id by prefix, labels). */
export function selectPods(all: PodRecord[], f: PodSandboxStatsFilter__Output | null | undefined): PodRecord[] {
  return all.filter(
    (p) => p.state === 'SANDBOX_READY' && (!f?.id || p.id.startsWith(f.id)) && matchesLabels(p.config.labels ?? {}, f?.label_selector ?? {}),
  );
}

/** The pod's containers that have a cgroup, for its stats. */
export function podContainers(all: ContainerRecord[], podId: string): ContainerRecord[] {
  return selectContainers(all, { id: '', pod_sandbox_id: podId, label_selector: {} }).filter((r) => r.meta.podId === podId);
}
