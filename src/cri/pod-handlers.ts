// Pod sandbox RPCs (RunPodSandbox, StopPodSandbox, …): one file per RPC.
import type { RuntimeHandlers } from './handler.js';

export const podHandlers: RuntimeHandlers = {};
