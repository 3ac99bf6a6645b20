// Exec, Attach and PortForward: they hand out URLs on the streaming server.
import type { RuntimeHandlers } from './handler.js';
import { containerExec } from './container-exec.js';
import { containerAttach } from './container-attach.js';
import { podPortForward } from './pod-port-forward.js';

export const streamingHandlers: RuntimeHandlers = {
  Exec: containerExec,
  Attach: containerAttach,
  PortForward: podPortForward,
};
