// Container RPCs (CreateContainer, StartContainer, …): one file per RPC.
import type { RuntimeHandlers } from './handler.js';
import { containerCreate } from './container-create.js';
import { containerStart } from './container-start.js';
import { containerStop } from './container-stop.js';
import { containerRemove } from './container-remove.js';
import { containerStatus } from './container-status.js';
import { containerList } from './container-list.js';
import { containerStream } from './container-stream.js';
import { containerReopenLog } from './container-reopen-log.js';
import { containerExecSync } from './container-exec-sync.js';
import { containerUpdateResources } from './container-update-resources.js';
import { podSandboxUpdateResources } from './pod-sandbox-update-resources.js';

export const containerHandlers: RuntimeHandlers = {
  CreateContainer: containerCreate,
  StartContainer: containerStart,
  StopContainer: containerStop,
  RemoveContainer: containerRemove,
  ContainerStatus: containerStatus,
  ListContainers: containerList,
  StreamContainers: containerStream,
  ReopenContainerLog: containerReopenLog,
  ExecSync: containerExecSync,
  UpdateContainerResources: containerUpdateResources,
  UpdatePodSandboxResources: podSandboxUpdateResources,
};
