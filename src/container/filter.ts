// ListContainers filters: ID (or prefix), state, pod ID (or prefix), label selector (all must match).
import type { ContainerFilter__Output } from '../gen/runtime/v1/ContainerFilter.js';
import { criState } from './to-cri.js';
import type { ContainerRecord } from './types.js';
import { compareDecimal } from '../util/decimal.js';

export function matchesLabels(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function matchesFilter(r: ContainerRecord, f: ContainerFilter__Output | null | undefined): boolean {
  if (!f) return true;
  if (f.id && !r.meta.id.startsWith(f.id)) return false;
  if (f.pod_sandbox_id && !r.meta.podId.startsWith(f.pod_sandbox_id)) return false;
  if (f.state && criState(r.status.state) !== f.state.state) return false;
  return matchesLabels(r.meta.labels, f.label_selector ?? {});
}

/** Newest first, as crictl ps shows them. */
export function filterContainers(all: ContainerRecord[], f: ContainerFilter__Output | null | undefined): ContainerRecord[] {
  return all.filter((r) => matchesFilter(r, f)).sort((a, b) => compareDecimal(b.meta.createdAtNs, a.meta.createdAtNs));
}
