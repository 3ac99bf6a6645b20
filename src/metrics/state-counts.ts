// Pods and containers by CRI state, for the rktlet_pods / rktlet_containers gauges.
import type { Engine } from '../engine.js';
import type { StateCounts } from './registry.js';
import { criState } from '../container/to-cri.js';

export function countByState(engine: Engine): StateCounts {
  const pods: Record<string, number> = { SANDBOX_READY: 0, SANDBOX_NOTREADY: 0 };
  for (const p of engine.pods.all()) pods[p.state] = (pods[p.state] ?? 0) + 1;
  const containers: Record<string, number> = { CONTAINER_CREATED: 0, CONTAINER_RUNNING: 0, CONTAINER_EXITED: 0, CONTAINER_UNKNOWN: 0 };
  for (const r of engine.containers.store.list()) {
    const s = criState(r.status.state);
    containers[s] = (containers[s] ?? 0) + 1;
  }
  return { pods, containers };
}
