// ListMetricDescriptors: the cAdvisor-style metrics ListPodSandboxMetrics returns.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';
import { metricDescriptors } from '../metrics/sandbox-metrics.js';

export async function listMetricDescriptors(_ctx: CallContext, _req: RuntimeReq<'ListMetricDescriptors'>): Promise<RuntimeRes<'ListMetricDescriptors'>> {
  return { descriptors: metricDescriptors() };
}
