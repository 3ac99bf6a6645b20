// Pod sandbox RPCs (RunPodSandbox, StopPodSandbox, …): one file per RPC.
import type { RuntimeHandlers } from './handler.js';
import { runPodSandbox } from './pod-run.js';
import { stopPodSandbox } from './pod-stop.js';
import { removePodSandbox } from './pod-remove.js';
import { podSandboxStatus } from './pod-status.js';
import { listPodSandbox } from './pod-list.js';
import { streamPodSandboxes } from './pod-stream.js';
import { updateRuntimeConfig } from './pod-runtime-config-update.js';

export const podHandlers: RuntimeHandlers = {
  RunPodSandbox: runPodSandbox,
  StopPodSandbox: stopPodSandbox,
  RemovePodSandbox: removePodSandbox,
  PodSandboxStatus: podSandboxStatus,
  ListPodSandbox: listPodSandbox,
  StreamPodSandboxes: streamPodSandboxes,
  UpdateRuntimeConfig: updateRuntimeConfig,
};
