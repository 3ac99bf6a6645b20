// Stats, metrics and container events.
import type { RuntimeHandlers } from './handler.js';
import { getContainerEvents } from './container-events-get.js';
import { listMetricDescriptors } from './metric-descriptors-list.js';
import { containerStats } from './container-stats.js';
import { listContainerStats } from './container-stats-list.js';
import { streamContainerStats } from './container-stats-stream.js';
import { podSandboxStats } from './pod-sandbox-stats.js';
import { listPodSandboxStats } from './pod-sandbox-stats-list.js';
import { streamPodSandboxStats } from './pod-sandbox-stats-stream.js';
import { listPodSandboxMetrics } from './pod-sandbox-metrics-list.js';
import { streamPodSandboxMetrics } from './pod-sandbox-metrics-stream.js';

export const statsHandlers: RuntimeHandlers = {
  ContainerStats: containerStats,
  ListContainerStats: listContainerStats,
  StreamContainerStats: streamContainerStats,
  PodSandboxStats: podSandboxStats,
  ListPodSandboxStats: listPodSandboxStats,
  StreamPodSandboxStats: streamPodSandboxStats,
  ListMetricDescriptors: listMetricDescriptors,
  ListPodSandboxMetrics: listPodSandboxMetrics,
  StreamPodSandboxMetrics: streamPodSandboxMetrics,
  GetContainerEvents: getContainerEvents,
};
