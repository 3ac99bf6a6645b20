// CreateContainer's host step: bind-mount sources and their propagation, the devices, the seccomp
// profile to load and the host's facts config.json depends on (capabilities, oom_score_adj, swap
// accounting, AppArmor, cgroup version, the x32 ABI), read at once with the bundle directories made.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import { InvalidArgumentError, isErrno } from '../errors/catalog.js';
import { kernelX32Abi } from '../oci/kernel-config.js';
import { propagationRequirements, type BindMount } from '../oci/spec/mounts.js';
import { parseSeccompProfile, type SeccompChoice } from '../oci/spec/seccomp.js';
import type { OciSeccomp } from '../oci/spec/types.js';
import { ownCapabilities, ownOomScoreAdj } from '../util/process-facts.js';
import { apparmorEnabled, ensurePropagation, hostDevices, isCgroupV2, resolveDevice, swapAccounting } from './host-facts.js';

export interface HostStepInput {
  cfg: ContainerConfig__Output;
  mounts: BindMount[];
  seccomp: SeccompChoice;
  privileged: boolean;
  /** runtime.seccomp_profile: the RuntimeDefault profile file ('' for the built-in). */
  defaultSeccompProfile: string;
  bundle: string;
  logPath: string;
}

export async function hostStep({ cfg, mounts, seccomp, privileged, defaultSeccompProfile, bundle, logPath }: HostStepInput) {
  for (const m of mounts) await ensureHostPath(m.hostPath);
  for (const r of propagationRequirements(mounts)) await ensurePropagation(r.hostPath, r.need);
  const seccompFile = seccomp.type === 'Localhost' ? seccomp.path : seccomp.type === 'RuntimeDefault' ? defaultSeccompProfile : '';
  const v2 = await isCgroupV2();
  const [devices, seccompProfile, available, daemonOomScoreAdj, swap, apparmor, privilegedDevices, x32Abi] = await Promise.all([
    Promise.all(cfg.devices.map((d) => resolveDevice(d.host_path, d.container_path, d.permissions))),
    seccompFile ? loadProfile(seccompFile) : undefined,
    ownCapabilities(),
    ownOomScoreAdj(),
    swapAccounting(v2),
    apparmorEnabled(),
    privileged ? hostDevices() : [],
    kernelX32Abi(),
    mkdir(bundle, { recursive: true, mode: 0o700 }),
    logPath ? mkdir(dirname(logPath), { recursive: true, mode: 0o755 }) : undefined,
  ]);
  return { v2, devices, seccompProfile, available, daemonOomScoreAdj, swap, apparmor, privilegedDevices, x32Abi };
}

export type HostFacts = Awaited<ReturnType<typeof hostStep>>;

/** A missing bind-mount source is created as a directory (as containerd does for the kubelet). */
async function ensureHostPath(p: string): Promise<void> {
  try {
    await stat(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    await mkdir(p, { recursive: true, mode: 0o755 });
  }
}

async function loadProfile(path: string): Promise<OciSeccomp> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read seccomp profile ${path}`, { cause: err });
  }
  return parseSeccompProfile(text, path);
}
