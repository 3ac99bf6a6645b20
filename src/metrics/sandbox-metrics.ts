// ListPodSandboxMetrics answers built from the catalog: the pod's own cgroup and network at the
// pod level (container label ""), each container's cgroup and writable layer beside it.
import type { Metric } from '../gen/runtime/v1/Metric.js';
import type { MetricDescriptor } from '../gen/runtime/v1/MetricDescriptor.js';
import type { PodSandboxMetrics } from '../gen/runtime/v1/PodSandboxMetrics.js';
import { BASE_LABEL_KEYS, CATALOG, labelKeys, type MetricSubject } from './catalog.js';

export function metricDescriptors(): MetricDescriptor[] {
  return CATALOG.map((e) => ({ name: e.name, help: e.help, label_keys: labelKeys(e) }));
}

/**
 * Every metric the catalog computes for one subject. Timestamps are 0: values are read on
 * demand, and the kubelet treats 0 as "not cached" (no explicit sample time).
 */
export function metricsFor(subject: MetricSubject): Metric[] {
  const base = BASE_LABEL_KEYS.map((k) => subject.labels[k]);
  const out: Metric[] = [];
  for (const e of CATALOG) {
    for (const v of e.values(subject)) {
      out.push({ name: e.name, timestamp: '0', metric_type: e.type, label_values: [...base, ...v.extra], value: { value: v.value.toString() } });
    }
  }
  return out;
}

export function sandboxMetrics(podId: string, pod: MetricSubject, containers: { id: string; subject: MetricSubject }[]): PodSandboxMetrics {
  return {
    pod_sandbox_id: podId,
    metrics: metricsFor(pod),
    container_metrics: containers.map((c) => ({ container_id: c.id, metrics: metricsFor(c.subject) })),
  };
}
