// Internal container records → CRI messages (Container, ContainerStatus), and the state rules.
import type { Container } from '../gen/runtime/v1/Container.js';
import type { ContainerStatus } from '../gen/runtime/v1/ContainerStatus.js';
import type { ContainerState__Output } from '../gen/runtime/v1/ContainerState.js';
import type { Signal } from '../gen/runtime/v1/Signal.js';
import { propagationToCri } from '../oci/spec/mounts.js';
import { resourcesToCri } from '../oci/spec/resources.js';
import type { ContainerRecord, ContainerStateName } from './types.js';

export function criState(s: ContainerStateName): ContainerState__Output {
  switch (s) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
      return 'CONTAINER_RUNNING';
    case 'exited':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

/** The kubelet's reasons: OOMKilled beats the exit code; 0 is Completed, anything else Error. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

function imageSpec(r: ContainerRecord) {
  return {
    image: r.meta.image,
    annotations: { ...r.meta.imageAnnotations },
    user_specified_image: r.meta.image,
    runtime_handler: r.meta.runtimeHandler,
    image_ref: r.meta.imageRef,
  };
}

export function toCriContainer(r: ContainerRecord): Container {
  return {
    id: r.meta.id,
    pod_sandbox_id: r.meta.podId,
    metadata: { name: r.meta.name, attempt: r.meta.attempt },
    image: imageSpec(r),
    image_ref: r.meta.imageRef,
    image_id: r.meta.imageId,
    state: criState(r.status.state),
    created_at: r.meta.createdAtNs,
    labels: { ...r.meta.labels },
    annotations: { ...r.meta.annotations },
  };
}

export function toCriStatus(r: ContainerRecord): ContainerStatus {
  const s = r.status;
  return {
    id: r.meta.id,
    metadata: { name: r.meta.name, attempt: r.meta.attempt },
    state: criState(s.state),
    created_at: r.meta.createdAtNs,
    started_at: s.startedAtNs,
    finished_at: s.finishedAtNs,
    exit_code: s.exitCode,
    image: imageSpec(r),
    image_ref: r.meta.imageRef,
    image_id: r.meta.imageId,
    reason: s.reason,
    message: s.message,
    labels: { ...r.meta.labels },
    annotations: { ...r.meta.annotations },
    mounts: r.meta.mounts.map((m) => ({
      container_path: m.containerPath,
      host_path: m.hostPath,
      readonly: m.readonly,
      propagation: propagationToCri(m.propagation) as 'PROPAGATION_PRIVATE',
      selinux_relabel: m.selinuxRelabel ?? false,
      recursive_read_only: m.recursiveReadOnly ?? false,
      ...(m.image ? { image: { image: m.image.ref, annotations: {}, user_specified_image: m.image.ref, runtime_handler: '', image_ref: m.image.id }, image_sub_path: m.image.subPath } : {}),
    })),
    log_path: r.meta.logPath,
    resources: { linux: resourcesToCri(s.resources) },
    user: {
      linux: {
        uid: String(r.meta.user.uid),
        gid: String(r.meta.user.gid),
        supplemental_groups: r.meta.user.additionalGids.map(String),
      },
    },
    stop_signal: r.meta.stopSignal as Signal,
  };
}

/** ContainerStatus verbose info: one JSON document under "info", as containerd does. */
export function verboseInfo(r: ContainerRecord, spec: unknown): Record<string, string> {
  return {
    info: JSON.stringify({
      sandboxID: r.meta.podId,
      pid: r.status.pid,
      removing: r.status.removing ?? false,
      runtimeType: r.meta.runtimeHandler,
      bundle: r.meta.bundle,
      rootfs: r.meta.rootfs,
      cgroupsPath: r.meta.cgroupsPath,
      runtimeSpec: spec,
    }),
  };
}
