// Stats, metrics and container events.
import type { RuntimeHandlers } from './handler.js';
import { getContainerEvents } from './container-events-get.js';
import { listMetricDescriptors } from './metric-descriptors-list.js';

export const statsHandlers: RuntimeHandlers = {
  GetContainerEvents: getContainerEvents,
  ListMetricDescriptors: listMetricDescriptors,
};
