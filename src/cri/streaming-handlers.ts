// Exec, Attach and PortForward: they hand out URLs on the streaming server.
import type { RuntimeHandlers } from './handler.js';

export const streamingHandlers: RuntimeHandlers = {};
