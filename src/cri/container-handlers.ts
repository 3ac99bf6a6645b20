// Container RPCs (CreateContainer, StartContainer, …): one file per RPC.
import type { RuntimeHandlers } from './handler.js';

export const containerHandlers: RuntimeHandlers = {};
