// CreateContainer input checked up front and turned into the container's settings, the twin of
// pod/pod-request.ts: pure (the pod, the image and a PID-target container come in as looked up),
// so every refusal is decided here before any work starts, and tested without I/O. The checks
// that read the host (bind-mount sources leading into the state roots) stay in request-checks.ts.
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import type { LinuxContainerSecurityContext__Output } from '../gen/runtime/v1/LinuxContainerSecurityContext.js';
import type { NamespaceOption__Output } from '../gen/runtime/v1/NamespaceOption.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import type { ImageRecord } from '../image/types.js';
import { propagationFromCri, type BindMount } from '../oci/spec/mounts.js';
import { namespaceModeFromCri, type NamespaceMode } from '../oci/spec/namespaces.js';
import { resourcesFromCri, type ResourceRequest } from '../oci/spec/resources.js';
import { seccompFromCri, type SeccompChoice } from '../oci/spec/seccomp.js';
import { isAbsolute, normalize } from 'node:path';
import type { PodView } from './deps.js';
import type { ContainerRecord } from './types.js';

/** A container config with the fields every create needs (checked by checkCreateRequest). */
export type NamedContainerConfig = ContainerConfig__Output & {
  metadata: NonNullable<ContainerConfig__Output['metadata']>;
  image: NonNullable<ContainerConfig__Output['image']>;
};

/** What the request alone must carry, whatever pod it names. */
export function checkCreateRequest(req: CreateContainerRequest__Output): { podId: string; cfg: NamedContainerConfig } {
  if (!req.pod_sandbox_id) throw new InvalidArgumentError('pod_sandbox_id is required');
  const cfg = req.config;
  if (!cfg?.metadata?.name) throw new InvalidArgumentError('config.metadata.name is required');
  if (!cfg.image?.image) throw new InvalidArgumentError('config.image.image is required');
  return { podId: req.pod_sandbox_id, cfg: cfg as NamedContainerConfig };
}

/** Whether the pod takes this container: ready, and privileged if the container is. */
export function admitToPod(cfg: ContainerConfig__Output, pod: PodView): void {
  if (!pod.ready) throw new FailedPreconditionError(`pod sandbox ${pod.id} is not ready`);
  // As containerd: the sandbox was set up for unprivileged containers (read-only sysfs in its netns, …).
  if (cfg.linux?.security_context?.privileged && !pod.privileged) {
    throw new InvalidArgumentError(`no privileged container allowed in sandbox ${pod.id}: the pod sandbox is not privileged`);
  }
}

/** The image the container runs, as the image part resolved it (undefined: not stored). */
export function requireImage(ref: string, image: ImageRecord | undefined): ImageRecord {
  if (!image) throw new NotFoundError(`image "${ref}" not found: pull it first`);
  return image;
}

export interface ContainerSettings {
  sc: LinuxContainerSecurityContext__Output | null;
  resources: ResourceRequest;
  mounts: BindMount[];
  seccomp: SeccompChoice;
  nsOpts: NamespaceOption__Output | null;
  pidMode: NamespaceMode;
  /** Set with pidMode TARGET: the container whose PID namespace to join. */
  targetId?: string;
  runAsUser?: number;
  runAsGroup?: number;
}

function int64(name: string, v: { value: string } | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v.value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} "${v.value}" is not a valid id`);
  return n;
}

/** The container's settings in the pod; everything that can reject the request, in that order. */
export function containerSettings(cfg: ContainerConfig__Output, pod: Pick<PodView, 'hostPid'>, o: { seccompUseDefaultWhenEmpty: boolean }): ContainerSettings {
  // The log file stays inside the pod's log directory.
  if (cfg.log_path && (isAbsolute(cfg.log_path) || normalize(cfg.log_path).split('/').includes('..'))) {
    throw new InvalidArgumentError(`log_path "${cfg.log_path}" must be relative to the pod's log directory`);
  }
  for (const d of cfg.devices) {
    if (!isAbsolute(d.host_path) || (d.container_path && !isAbsolute(d.container_path))) {
      throw new InvalidArgumentError(`device paths must be absolute (${d.host_path} → ${d.container_path})`);
    }
  }
  const sc = cfg.linux?.security_context ?? null;
  const resources = resourcesFromCri(cfg.linux?.resources ?? null);
  const mounts: BindMount[] = cfg.mounts.map((m) => {
    if (!m.container_path || !m.host_path) throw new InvalidArgumentError('mounts need container_path and host_path');
    return { containerPath: m.container_path, hostPath: m.host_path, readonly: m.readonly, propagation: propagationFromCri(m.propagation) };
  });
  const seccomp = sc?.privileged ? ({ type: 'Unconfined' } as const) : seccompFromCri(sc?.seccomp ?? null, sc?.seccomp_profile_path ?? '', o.seccompUseDefaultWhenEmpty);
  const nsOpts = sc?.namespace_options ?? null;
  const pidMode = pod.hostPid ? 'NODE' : namespaceModeFromCri(nsOpts?.pid ?? 'CONTAINER');
  if (pidMode === 'TARGET' && !nsOpts?.target_id) throw new InvalidArgumentError('PID mode TARGET needs target_id');

  const runAsUser = int64('run_as_user', sc?.run_as_user ?? null);
  const runAsGroup = int64('run_as_group', sc?.run_as_group ?? null);
  // A group alone names no user to run as (containerd: "user group is specified without user").
  if (runAsGroup !== undefined && runAsUser === undefined && !sc?.run_as_username) {
    throw new InvalidArgumentError(`run_as_group ${runAsGroup} is set without run_as_user or run_as_username`);
  }
  return {
    sc,
    resources,
    mounts,
    seccomp,
    nsOpts,
    pidMode,
    ...(pidMode === 'TARGET' ? { targetId: nsOpts!.target_id } : {}),
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
  };
}

/** The PID of the running container of this pod whose PID namespace a TARGET container joins. */
export function targetPid(targetId: string, target: ContainerRecord | undefined, podId: string): number {
  if (!target || target.status.state !== 'running' || target.meta.podId !== podId) throw new NotFoundError(`target container "${targetId}" is not running in this pod`);
  return target.status.pid;
}
