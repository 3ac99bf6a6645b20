// The `vm` isolation level's admission rules for a pod (its runtime is ./vm-runtime/). A VM has a
// network of its own, reached through the pod's network namespace: a pod asking for the host's
// network (or PID or IPC namespace) cannot be honoured, and is refused before anything is made.
// Every vm pod gets an infra, since the infra is what boots the VM (./vm-runtime/runtime.ts).
import { FailedPreconditionError } from '../errors/catalog.js';
import type { Config } from '../config/schema.js';

export function isVmHandler(config: Config, handler: string): boolean {
  return config.runtime.handlers[handler]?.type === 'vm';
}

/** RunPodSandbox's rule for a vm handler. */
export function checkVmPod(handler: string, p: { namespaces: { network: string; pid: string; ipc: string }; userns?: unknown }): void {
  const host = (['network', 'pid', 'ipc'] as const).filter((ns) => p.namespaces[ns] === 'NODE');
  if (host.length) {
    throw new FailedPreconditionError(`runtime handler "${handler}" runs the pod in a VM of its own: it cannot use the host's ${host.join(', ')} namespace (namespace_options ${host.join(', ')} NODE)`);
  }
  if (p.userns) throw new FailedPreconditionError(`runtime handler "${handler}" runs the pod in a VM of its own: user namespaces (userns_options) are not supported there`);
}
