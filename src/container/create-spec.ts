// CreateContainer's pure half after the checks: the request, the pod, the image and the host's
// facts turned into config.json's input and the container's record.
import { ociMappings } from '../pod/userns.js';
import type { Config } from '../config/schema.js';
import type { ContainerSpecInput } from '../oci/spec/container-spec.js';
import type { EnvVar } from '../oci/spec/env-values.js';
import { apparmorFromCri } from '../oci/spec/security.js';
import type { ResolvedUser } from '../oci/spec/user.js';
import type { ImageRecord } from '../image/types.js';
import { nowNs } from '../util/time.js';
import type { NamedContainerConfig, ContainerSettings } from './create-request.js';
import type { HostFacts } from './create-host.js';
import type { PodView } from './deps.js';
import type { ContainerRecord } from './types.js';

export interface CreateInput {
  id: string;
  cfg: NamedContainerConfig;
  envs: EnvVar[];
  settings: ContainerSettings;
  pod: PodView;
  image: ImageRecord;
  targetPid: number | undefined;
}

/** What generateContainerSpec gets. */
export function specInput(
  { cfg, envs, settings, pod, image, targetPid }: CreateInput,
  made: { rootfs: string; user: ResolvedUser; host: HostFacts; cgroupsPath: string },
  runtime: Config['runtime'],
): ContainerSpecInput {
  const { rootfs, user, host, cgroupsPath } = made;
  const { sc, mounts, resources, pidMode, seccomp } = settings;
  return {
    rootfs,
    image: image.config,
    command: cfg.command,
    args: cfg.args,
    workingDir: cfg.working_dir,
    envs,
    tty: cfg.tty,
    hostname: pod.hostname,
    user,
    podFiles: { hostsPath: pod.hostsPath, resolvConfPath: pod.resolvConfPath, hostnamePath: pod.hostnamePath, shmPath: pod.shmPath },
    mounts,
    devices: host.devices,
    resources,
    cgroupsPath,
    namespaces: {
      netnsPath: pod.netnsPath,
      networkMode: pod.hostNetwork ? 'NODE' : 'POD',
      ipcMode: pod.hostIpc ? 'NODE' : 'POD',
      pidMode,
      infraPid: pod.infraPid,
      ...(pod.ipcNsPath !== undefined ? { ipcNsPath: pod.ipcNsPath } : {}),
      ...(pod.utsNsPath !== undefined ? { utsNsPath: pod.utsNsPath } : {}),
      ...(targetPid !== undefined ? { targetPid } : {}),
      ...(pod.userns ? { userns: { path: pod.userns.path, uidMappings: ociMappings(pod.userns.uids), gidMappings: ociMappings(pod.userns.gids) } } : {}),
    },
    sysctls: pod.sysctls,
    security: {
      privileged: sc?.privileged ?? false,
      capAdd: sc?.capabilities?.add_capabilities ?? [],
      capDrop: sc?.capabilities?.drop_capabilities ?? [],
      noNewPrivs: sc?.no_new_privs ?? false,
      readonlyRootfs: sc?.readonly_rootfs ?? false,
      maskedPaths: sc?.masked_paths ?? [],
      readonlyPaths: sc?.readonly_paths ?? [],
      seccomp,
      ...(host.seccompProfile ? { seccompProfile: host.seccompProfile } : {}),
      apparmor: apparmorFromCri(sc?.apparmor ?? null, sc?.apparmor_profile ?? ''),
    },
    hostDevices: host.privilegedDevices,
    host: {
      defaultCapabilities: runtime.default_capabilities,
      daemonOomScoreAdj: host.daemonOomScoreAdj,
      restrictOomScoreAdj: runtime.restrict_oom_score_adj,
      noNewPrivilegesDefault: runtime.no_new_privileges,
      defaultMaskedPaths: runtime.masked_paths,
      defaultReadonlyPaths: runtime.readonly_paths,
      swapAccounting: host.swap,
      cgroupV2: host.v2,
      apparmorEnabled: host.apparmor,
      ...(host.x32Abi !== undefined ? { x32Abi: host.x32Abi } : {}),
      ...(host.available ? { availableCapabilities: host.available } : {}),
    },
    annotations: cfg.annotations,
    metadata: {
      containerType: 'container',
      sandboxId: pod.id,
      sandboxName: pod.name,
      sandboxNamespace: pod.namespace,
      sandboxUid: pod.uid,
      containerName: cfg.metadata.name,
      imageName: cfg.image.image,
    },
  };
}

/** The container's record as created (state 'created', no pid until the runtime's create). */
export function newRecord(
  { id, cfg, settings, pod, image }: CreateInput,
  made: { rootfs: string; user: ResolvedUser; cgroupsPath: string; bundle: string; logPath: string },
): ContainerRecord {
  const { metadata, image: imageSpec } = cfg;
  return {
    meta: {
      id,
      podId: pod.id,
      name: metadata.name,
      attempt: metadata.attempt,
      image: imageSpec.image,
      imageAnnotations: { ...imageSpec.annotations },
      imageId: image.id,
      imageRef: image.repoDigests[0] ?? image.id,
      labels: { ...cfg.labels },
      annotations: { ...cfg.annotations },
      logPath: made.logPath,
      tty: cfg.tty,
      stdin: cfg.stdin,
      stdinOnce: cfg.stdin_once,
      mounts: settings.mounts,
      user: made.user,
      stopSignal: stopSignal(cfg.stop_signal, image.config.StopSignal),
      runtimeHandler: pod.runtimeHandler,
      bundle: made.bundle,
      rootfs: made.rootfs,
      cgroupsPath: made.cgroupsPath,
      createdAtNs: nowNs().toString(),
    },
    status: { state: 'created', pid: 0, startedAtNs: '0', finishedAtNs: '0', exitCode: 0, reason: '', message: '', resources: settings.resources },
  };
}

/** The request's signal, else the image's StopSignal ("SIGQUIT", "QUIT", "3"), else SIGTERM. */
export function stopSignal(requested: string, imageSignal: string | undefined): string {
  if (requested && requested !== 'RUNTIME_DEFAULT') return requested;
  const s = (imageSignal ?? '').trim().toUpperCase();
  if (!s) return 'SIGTERM';
  if (/^\d+$/.test(s)) return s;
  return s.startsWith('SIG') ? s : `SIG${s}`;
}
