// ListPodSandbox filters (pure): id (exact, or a unique prefix), state, label selector.
import type { PodSandboxFilter__Output } from '../gen/runtime/v1/PodSandboxFilter.js';
import type { PodRecord } from './types.js';
import { compareDecimal } from '../util/decimal.js';

/** Exact id, else the only pod whose id starts with `prefix`; undefined when none or ambiguous. */
export function findByIdOrPrefix<T extends { id: string }>(items: Iterable<T>, prefix: string): T | undefined {
  let found: T | undefined;
  for (const p of items) {
    if (p.id === prefix) return p;
    if (p.id.startsWith(prefix)) {
      if (found) return undefined;
      found = p;
    }
  }
  return found;
}

export function matchesLabels(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The pods matching the filter, oldest first. */
export function filterPods(pods: Iterable<PodRecord>, f: PodSandboxFilter__Output | null | undefined): PodRecord[] {
  let out = [...pods];
  if (f?.id) {
    const one = findByIdOrPrefix(out, f.id);
    out = one ? [one] : [];
  }
  if (f?.state) out = out.filter((p) => p.state === f.state!.state);
  if (f?.label_selector && Object.keys(f.label_selector).length) out = out.filter((p) => matchesLabels(p.config.labels, f.label_selector));
  return out.sort((a, b) => compareDecimal(a.createdAtNs, b.createdAtNs));
}
