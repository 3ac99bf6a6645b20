// Mounts: the kernel defaults, the pod's shared files, then the request's bind mounts with their
// propagation. A request mount replaces any default or pod file at the same container path.
import { posix } from 'node:path';
import { InvalidArgumentError } from '../../errors/catalog.js';
import type { OciMount, SpecOpt } from './types.js';

export type Propagation = 'private' | 'rslave' | 'rshared';

export interface BindMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation: Propagation;
  /** Read-only with every submount (runtime option `rro`: mount_setattr AT_RECURSIVE); with readonly. */
  recursiveReadOnly?: boolean;
}

/** Files the pod prepared for all its containers (empty: not provided). */
export interface PodFiles {
  hostsPath?: string;
  resolvConfPath?: string;
  hostnamePath?: string;
  shmPath?: string;
}

/** CRI MountPropagation enum name → our propagation. */
export function propagationFromCri(p: string): Propagation {
  switch (p) {
    case 'PROPAGATION_HOST_TO_CONTAINER':
      return 'rslave';
    case 'PROPAGATION_BIDIRECTIONAL':
      return 'rshared';
    case 'PROPAGATION_PRIVATE':
    case '':
      return 'private';
    default:
      throw new InvalidArgumentError(`unknown mount propagation ${p}`);
  }
}

export function propagationToCri(p: Propagation): string {
  return p === 'rslave' ? 'PROPAGATION_HOST_TO_CONTAINER' : p === 'rshared' ? 'PROPAGATION_BIDIRECTIONAL' : 'PROPAGATION_PRIVATE';
}

export function cleanDest(p: string): string {
  if (!p.startsWith('/')) throw new InvalidArgumentError(`mount container path "${p}" must be absolute`);
  return posix.normalize(p).replace(/(.)\/$/, '$1');
}

/**
 * What the host must provide for the requested propagation: rshared needs a shared source mount,
 * rslave a shared or slave one. The caller (which may touch the host) makes it so before start.
 */
export function propagationRequirements(mounts: BindMount[]): { hostPath: string; need: 'shared' | 'slave' }[] {
  return mounts
    .filter((m) => m.propagation !== 'private')
    .map((m) => ({ hostPath: m.hostPath, need: m.propagation === 'rshared' ? ('shared' as const) : ('slave' as const) }));
}

export function withMounts(podFiles: PodFiles, mounts: BindMount[], readonlyRootfs = false): SpecOpt {
  return (s) => {
    const requested = mounts.map((m) => ({ ...m, containerPath: cleanDest(m.containerPath) }));
    const taken = new Set(requested.map((m) => m.containerPath));
    const out: OciMount[] = s.mounts.filter((m) => !taken.has(m.destination));

    const podBind = (dest: string, src: string | undefined, extra: string[]): void => {
      if (!src || taken.has(dest)) return;
      out.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rprivate', ...extra] });
    };
    // A read-only root file system keeps the pod's files read-only too (as containerd).
    const rw = readonlyRootfs ? 'ro' : 'rw';
    podBind('/etc/hosts', podFiles.hostsPath, [rw]);
    podBind('/etc/resolv.conf', podFiles.resolvConfPath, [rw]);
    podBind('/etc/hostname', podFiles.hostnamePath, [rw]);
    if (podFiles.shmPath && !taken.has('/dev/shm')) {
      out.push({ destination: '/dev/shm', type: 'bind', source: podFiles.shmPath, options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec', 'rw'] });
    }

    // Parents before children, so a mount inside another is not hidden by it.
    const sorted = [...requested].sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
    for (const m of sorted) {
      out.push({
        destination: m.containerPath,
        type: 'bind',
        source: m.hostPath,
        options: ['rbind', m.propagation === 'private' ? 'rprivate' : m.propagation, m.readonly ? (m.recursiveReadOnly ? 'rro' : 'ro') : 'rw'],
      });
    }
    s.mounts = out;
    // The root must propagate too, or events never reach (or leave) the bind mounts.
    if (requested.some((m) => m.propagation === 'rshared')) s.linux.rootfsPropagation = 'rshared';
    else if (requested.some((m) => m.propagation === 'rslave')) s.linux.rootfsPropagation = 'rslave';
  };
}

function depth(p: string): number {
  return p === '/' ? 0 : p.split('/').length - 1;
}
