// User namespaces (CRI userns_options mode POD, the kubelet's hostUsers: false). The pod's user
// namespace is created with the kubelet's uid/gid mappings and pinned as a file, as its IPC and UTS
// namespaces are (those two are created inside it, so the pod's root owns them); every container
// joins it. The image keeps its owners inside: the container's overlay is mounted over idmapped
// mounts of its layers (src/snapshot/idmapped-overlay.ts: rktlet makes them itself with
// mount_setattr, so any OCI runtime that can join a user namespace will do). python3 does the
// syscalls: src/helpers/userns_mounts.py.
import { InternalError, InvalidArgumentError } from '../errors/catalog.js';
import { pythonProgram } from '../helpers/programs.js';
import { complaintOf, runCommand } from '../util/command.js';

export interface IdMapping {
  container_id: number;
  host_id: number;
  length: number;
}

export interface UserNamespaceMappings {
  uids: IdMapping[];
  gids: IdMapping[];
}

/** The kernel takes at most this many lines per map (340 since 4.15; 5 is the historic floor). */
const MAX_MAPPINGS = 340;
const PYTHON = 'python3';
const USERNS_PY = pythonProgram('userns_mounts');

function checkMappings(kind: 'uids' | 'gids', ms: readonly IdMapping[]): IdMapping[] {
  if (!ms.length) throw new InvalidArgumentError(`userns_options mode POD needs ${kind} mappings (the kubelet sends one range per pod)`);
  if (ms.length > MAX_MAPPINGS) throw new InvalidArgumentError(`userns_options: ${ms.length} ${kind} mappings (the kernel takes at most ${MAX_MAPPINGS})`);
  const out = ms.map((m) => ({ container_id: m.container_id, host_id: m.host_id, length: m.length }));
  for (const m of out) {
    if (!(m.length > 0) || m.container_id + m.length > 2 ** 32 || m.host_id + m.length > 2 ** 32) {
      throw new InvalidArgumentError(`userns_options ${kind} mapping ${JSON.stringify(m)} is empty or out of range`);
    }
  }
  // Overlapping ranges on either side are refused by the kernel with a bare EINVAL: said here.
  for (const side of ['container_id', 'host_id'] as const) {
    const sorted = [...out].sort((a, b) => a[side] - b[side]);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i - 1]![side] + sorted[i - 1]!.length > sorted[i]![side]) throw new InvalidArgumentError(`userns_options ${kind} mappings overlap (${side})`);
    }
  }
  return out;
}

/**
 * NamespaceOption.userns_options: undefined for the host's user namespace (NODE or none); the
 * checked mappings for POD. CONTAINER and TARGET are no user namespace modes (containerd:
 * "unsupported user namespace mode").
 */
export function userNamespaceRequest(u: { mode: string | number; uids?: readonly IdMapping[]; gids?: readonly IdMapping[] } | null): UserNamespaceMappings | undefined {
  if (!u || u.mode === 'NODE') return undefined;
  if (u.mode !== 'POD') throw new InvalidArgumentError(`userns_options mode ${JSON.stringify(u.mode)} is not supported: only NODE or POD`);
  return { uids: checkMappings('uids', u.uids ?? []), gids: checkMappings('gids', u.gids ?? []) };
}

/** Whether two requests name the same mappings (a container must ask for its pod's). */
export function sameMappings(a: UserNamespaceMappings | undefined, b: UserNamespaceMappings | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The host id a container id maps to (undefined: unmapped; pure). */
export function hostIdOf(ms: readonly IdMapping[], id: number): number | undefined {
  const m = ms.find((x) => id >= x.container_id && id < x.container_id + x.length);
  return m ? m.host_id + (id - m.container_id) : undefined;
}

/** OCI linux.uidMappings/gidMappings from CRI mappings (pure). */
export function ociMappings(ms: readonly IdMapping[]): { containerID: number; hostID: number; size: number }[] {
  return ms.map((m) => ({ containerID: m.container_id, hostID: m.host_id, size: m.length }));
}

export interface PinUserRequest {
  user: string;
  ipc: string;
  uts: string;
  hostname?: string;
}

/** Creates the pod's user namespace (and IPC/UTS inside it) and bind-mounts each on its (existing) file. */
export async function pinUserNamespace(maps: UserNamespaceMappings, p: PinUserRequest): Promise<void> {
  const req = { uids: maps.uids, gids: maps.gids, user: p.user, ipc: p.ipc, uts: p.uts, hostname: p.hostname ?? '' };
  await runCommand(PYTHON, ['-E', '-s', '-c', USERNS_PY, 'pin', JSON.stringify(req)]).catch((err: unknown) => {
    throw new InternalError(`cannot create the pod's user namespace: ${complaintOf(err)}`, { cause: err });
  });
}
