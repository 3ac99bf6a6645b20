// Stats, metrics and container events.
import type { RuntimeHandlers } from './handler.js';

export const statsHandlers: RuntimeHandlers = {};
