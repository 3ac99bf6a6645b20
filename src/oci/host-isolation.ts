// The `host` isolation level (rkt's "fly" stage1): the app runs chrooted in its image's root
// filesystem in the host's namespaces, for node agents.
//
// Design: no runtime of its own. A privileged pod with host network, PID and IPC already gets an
// OCI spec whose only namespace is the mount namespace (src/oci/spec/namespaces.ts): runc pivots
// into the container's root filesystem and everything else is the host's, which is exactly "chroot
// in the host's namespaces". So a `type = "host"` handler is the conmon runtime (runc) behind one
// admission rule, and logs, exec, attach, stop, status and stats go through the same conmon path
// as any container. What this file adds is that rule: a pod asking for the handler must be
// privileged with host network, PID and IPC, and so must its containers be privileged; anything
// else is refused with FAILED_PRECONDITION naming what is missing, before anything is made. On a
// cgroup v2 host containers also get a cgroup namespace: a host container does not (onlyMountNamespace).
import { FailedPreconditionError } from '../errors/catalog.js';
import type { Config } from '../config/schema.js';
import type { OciSpec } from './spec/types.js';

export interface HostPodAsk {
  privileged: boolean;
  namespaces: { network: string; pid: string; ipc: string };
}

/** Whether a handler (resolved name) has the host isolation level. */
export function isHostHandler(config: Config, handler: string): boolean {
  return config.runtime.handlers[handler]?.type === 'host';
}

/** What a pod lacks to run with the host handler ('' when nothing). */
export function hostPodLacks(p: HostPodAsk): string {
  const lacks: string[] = [];
  if (!p.privileged) lacks.push('a privileged security context');
  for (const ns of ['network', 'pid', 'ipc'] as const) if (p.namespaces[ns] !== 'NODE') lacks.push(`host ${ns} (namespace_options.${ns} NODE)`);
  return lacks.join(', ');
}

/** RunPodSandbox's rule for a host handler. */
export function checkHostPod(handler: string, p: HostPodAsk): void {
  const lacks = hostPodLacks(p);
  if (lacks) {
    throw new FailedPreconditionError(
      `runtime handler "${handler}" runs pods in the host's namespaces, only for privileged pods with host network, PID and IPC; this pod lacks ${lacks}`,
    );
  }
}

/** CreateContainer's rule in a host-handler pod: the container is privileged too. */
export function checkHostContainer(handler: string, privileged: boolean): void {
  if (!privileged) {
    throw new FailedPreconditionError(`runtime handler "${handler}" runs containers in the host's namespaces: the container must be privileged (security_context.privileged)`);
  }
}

/** A host container's spec keeps its mount namespace only (no cgroup namespace on a v2 host). */
export function onlyMountNamespace(spec: OciSpec): void {
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type === 'mount');
}
