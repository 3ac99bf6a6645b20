// A container's config.json from plain inputs: every host fact (pod paths, devices, the image's
// users, profile files) is looked up by the caller, so this is pure and golden-tested.
import type { OciImageConfig } from '../../image/types.js';
import { baseSpec, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './defaults.js';
import { withAnnotations, type CriMetadata } from './annotations.js';
import { withDevices, type HostDevice } from './devices.js';
import { cleanDest, withMounts, type BindMount, type PodFiles } from './mounts.js';
import { withIdmappedVolumes } from './idmapped-volumes.js';
import { withCgroupNamespace, withNamespaces, type NamespaceInput } from './namespaces.js';
import type { EnvVar } from './env-values.js';
import { mergeArgs, withCwd, withEnv, withProcessArgs, withTerminal } from './process.js';
import { withCgroupsPath, withResources, type ResourceRequest } from './resources.js';
import { withSeccomp, type SeccompChoice } from './seccomp.js';
import {
  withApparmor,
  type ApparmorChoice,
  computeCapabilities,
  effectiveNoNewPrivs,
  withCapabilities,
  withDefaultMaskedPaths,
  withMaskedPaths,
  withNoNewPrivileges,
  withPrivileged,
  withReadonlyRootfs,
  withSysctls,
} from './security.js';
import { withUser, type ResolvedUser } from './user.js';
import { withCdiEdits, type CdiEdits } from './cdi-edits.js';
import { applyOpts, type OciSeccomp, type OciSpec, type SpecOpt } from './types.js';

export interface ContainerSpecInput {
  rootfs: string;
  image: OciImageConfig;
  command: string[];
  args: string[];
  workingDir: string;
  /** The request's variables, already checked to be representable (envFromCri). */
  envs: EnvVar[];
  tty: boolean;
  hostname: string;
  user: ResolvedUser;
  podFiles: PodFiles;
  mounts: BindMount[];
  devices: HostDevice[];
  resources: ResourceRequest;
  cgroupsPath: string;
  namespaces: NamespaceInput;
  sysctls: Record<string, string>;
  security: {
    privileged: boolean;
    capAdd: string[];
    capDrop: string[];
    noNewPrivs: boolean;
    readonlyRootfs: boolean;
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp: SeccompChoice;
    /** Default: RuntimeDefault. */
    apparmor?: ApparmorChoice;
    /** Localhost profile or configured RuntimeDefault file, already parsed. */
    seccompProfile?: OciSeccomp;
  };
  /** Every host device (privileged containers get them all). */
  hostDevices: HostDevice[];
  host: {
    defaultCapabilities: string[];
    daemonOomScoreAdj: number;
    restrictOomScoreAdj: boolean;
    swapAccounting: boolean;
    cgroupV2: boolean;
    arch?: string;
    /** Whether the kernel runs x32 programs (undefined: not known, assume it does). */
    x32Abi?: boolean;
    apparmorEnabled?: boolean;
    /** runtime.masked_paths / readonly_paths (default: the built-in lists). */
    defaultMaskedPaths?: string[];
    defaultReadonlyPaths?: string[];
    /** runtime.no_new_privileges: no_new_privs unless the container needs escalation (default: off). */
    noNewPrivilegesDefault?: boolean;
    /** The daemon's bounding set: what privileged and `ALL` can give (default: every capability). */
    availableCapabilities?: string[];
  };
  annotations: Record<string, string>;
  metadata: CriMetadata;
  /** CDI devices' edits (src/container/cdi.ts), applied last as the CDI library does. */
  cdi?: CdiEdits;
}

export function containerSpecOpts(i: ContainerSpecInput): SpecOpt[] {
  const sec = i.security;
  const caps = sec.privileged ? [] : computeCapabilities(i.host.defaultCapabilities, sec.capAdd, sec.capDrop, i.host.availableCapabilities);
  const opts: SpecOpt[] = [
    withProcessArgs(mergeArgs(i.image, i.command, i.args)),
    withEnv(i.image.Env ?? [], i.envs, i.hostname),
    withCwd(i.workingDir, i.image.WorkingDir),
    withTerminal(i.tty),
    withUser(i.user),
    withMounts(i.podFiles, i.mounts, sec.readonlyRootfs),
    withNamespaces(i.namespaces),
    ...(i.namespaces.userns ? [withIdmappedVolumes(i.mounts.map((m) => cleanDest(m.containerPath)), i.namespaces.userns.uidMappings, i.namespaces.userns.gidMappings)] : []),
    withCgroupNamespace(i.host.cgroupV2),
    withResources(i.resources, i.host),
    withCgroupsPath(i.cgroupsPath),
    withSysctls(i.sysctls, i.namespaces.networkMode === 'NODE', i.namespaces.ipcMode === 'NODE'),
    withNoNewPrivileges(effectiveNoNewPrivs(sec.noNewPrivs, i.host.noNewPrivilegesDefault ?? false, sec.privileged, caps)),
    withReadonlyRootfs(sec.readonlyRootfs),
    withAnnotations(i.annotations, i.metadata),
    withApparmor(sec.privileged ? { type: 'Unconfined' } : (sec.apparmor ?? { type: 'RuntimeDefault' }), i.host.apparmorEnabled ?? false),
  ];
  if (sec.privileged) {
    // Privileged: all capabilities and devices, writable /sys; no seccomp, no masked paths.
    opts.push(withPrivileged(i.hostDevices, i.host.availableCapabilities), withDevices(i.devices), withSeccomp({ type: 'Unconfined' }, []));
  } else {
    opts.push(
      withCapabilities(caps),
      withDevices(i.devices),
      withDefaultMaskedPaths(i.host.defaultMaskedPaths ?? DEFAULT_MASKED_PATHS, i.host.defaultReadonlyPaths ?? DEFAULT_READONLY_PATHS),
      withMaskedPaths(sec.maskedPaths, sec.readonlyPaths),
      withSeccomp(sec.seccomp, caps, sec.seccompProfile, i.host.arch, i.host.x32Abi),
    );
  }
  if (i.cdi) opts.push(withCdiEdits(i.cdi));
  return opts;
}

export function generateContainerSpec(i: ContainerSpecInput): OciSpec {
  return applyOpts(baseSpec(i.rootfs), containerSpecOpts(i));
}
