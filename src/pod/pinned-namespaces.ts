// A pod without an infra process (pod.drop_infra, as CRI-O's drop_infra_ctr): its IPC and UTS
// namespaces are created once by `unshare` and pinned as bind-mounted files, as its network
// namespace already is. Containers join the files; the namespaces live until StopPodSandbox
// unmounts them, whatever happens to the containers or to rktlet. One spawn per pod, and no
// monitor left behind (the infra used to cost a runc create + start and a conmon per pod).
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError, InvalidArgumentError } from '../errors/catalog.js';
import { prepareDir } from '../network/netns.js';
import { isNamespaceMount, namespaceTarget, unmountAll, type UnmountTarget } from '../util/unmount.js';
import { complaintOf, runCommand } from '../util/command.js';
import { pinUserNamespace, type UserNamespaceMappings } from './userns.js';

export interface PinnedNamespaces {
  /** '' when the pod uses the host's IPC namespace. */
  ipc: string;
  /** '' when the pod uses the host's UTS namespace (host network). */
  uts: string;
  /** The pod's own user namespace (userns_options POD): absent for the host's. */
  user?: string;
}

export interface PinRequest {
  ipc: boolean;
  /** Set: a private UTS namespace with this hostname. */
  hostname?: string;
  /** Set: a user namespace of the pod's own with these mappings (./userns.ts). */
  userns?: UserNamespaceMappings;
}

/** The `unshare` command line that creates and pins them (pure). */
export function unshareArgs(paths: PinnedNamespaces, hostname: string | undefined): string[] {
  const args: string[] = [];
  if (paths.ipc) args.push(`--ipc=${paths.ipc}`);
  if (paths.uts) args.push(`--uts=${paths.uts}`);
  // The program runs inside the new namespaces: it names the UTS one, or does nothing.
  args.push('--', ...(paths.uts && hostname ? ['hostname', hostname] : ['true']));
  return args;
}

export function pinnedPaths(dir: string, podId: string, want: PinRequest): PinnedNamespaces {
  const p: PinnedNamespaces = { ipc: want.ipc ? join(dir, `${podId}-ipc`) : '', uts: want.hostname !== undefined ? join(dir, `${podId}-uts`) : '' };
  if (want.userns) p.user = join(dir, `${podId}-user`);
  return p;
}

/**
 * Every file the pod may have pinned, derived from its id alone: a crash between pinning and the
 * record write that names them (or in the middle of their unmount) must not hide them from stop.
 */
export function possiblePinnedPaths(dir: string, podId: string): PinnedNamespaces {
  return pinnedPaths(dir, podId, { ipc: true, hostname: '', userns: { uids: [], gids: [] } });
}

/** The pod id a file in the pinned dir belongs to (undefined for anything else; pure). */
export function pinnedFileOwner(name: string): string | undefined {
  return /^([0-9a-f]{64})-(?:ipc|uts|user)$/.exec(name)?.[1];
}

/** Creates the namespaces the pod asks for; nothing is left behind on failure. */
export async function pinNamespaces(dir: string, podId: string, want: PinRequest): Promise<PinnedNamespaces> {
  const paths = pinnedPaths(dir, podId, want);
  const files = [paths.ipc, paths.uts, paths.user ?? ''].filter(Boolean);
  if (!files.length) return paths;
  await prepareDir(dir);
  try {
    // unshare bind-mounts the new namespace over an existing file.
    for (const f of files) await writeFile(f, '', { mode: 0o644, flag: 'wx' });
    if (want.userns && paths.user) {
      await pinUserNamespace(want.userns, { user: paths.user, ipc: paths.ipc, uts: paths.uts, ...(want.hostname ? { hostname: want.hostname } : {}) });
    } else {
      await runCommand('unshare', unshareArgs(paths, want.hostname)).catch((err: unknown) => {
        throw new InternalError(`cannot create the pod's IPC/UTS namespaces: ${complaintOf(err)}`, { cause: err });
      });
    }
  } catch (err) {
    await unpinNamespaces(paths).catch(() => undefined);
    for (const f of files) await rm(f, { force: true });
    throw err;
  }
  return paths;
}

/**
 * The `nsenter` command line that writes the pod's sysctls inside its network and IPC namespaces
 * (pure). Names are normalized (dots); the /proc/sys path turns dots into slashes, as runc does.
 */
export function sysctlArgs(netnsPath: string, ipcPath: string, sysctls: Record<string, string>): string[] {
  const args: string[] = [];
  if (netnsPath) args.push(`--net=${netnsPath}`);
  if (ipcPath) args.push(`--ipc=${ipcPath}`);
  // /proc/sys/net and the IPC sysctls show the namespaces of the process that opens them.
  const script = 'while [ $# -gt 1 ]; do printf "%s\\n" "$2" > "/proc/sys/$1" || exit 1; shift 2; done';
  args.push('--', 'sh', '-c', script, 'sysctl');
  for (const [k, v] of Object.entries(sysctls)) args.push(k.replace(/\./g, '/'), v);
  return args;
}

/** Applies the pod's (validated) sysctls in its pinned namespaces; the infra spec does it otherwise. */
export async function applySysctls(netnsPath: string, ipcPath: string, sysctls: Record<string, string>): Promise<void> {
  if (!Object.keys(sysctls).length) return;
  await runCommand('nsenter', sysctlArgs(netnsPath, ipcPath, sysctls)).catch((err: unknown) => {
    throw new InvalidArgumentError(`cannot set the pod's sysctls: ${complaintOf(err)}`, { cause: err });
  });
}

/** Unmounts and deletes them; idempotent. */
export async function unpinNamespaces(paths: PinnedNamespaces): Promise<void> {
  await unmountAll(pinnedTargets(paths));
}

/** Whether the pod's pinned namespaces are still mounted (none pinned at all: nothing to lose). */
export async function pinnedNamespacesPresent(rec: { netnsPath: string; pinnedNamespaces?: PinnedNamespaces }): Promise<boolean> {
  const files = [rec.pinnedNamespaces?.uts, rec.pinnedNamespaces?.ipc, rec.pinnedNamespaces?.user, rec.netnsPath].filter((f): f is string => !!f);
  return (await Promise.all(files.map(isNamespaceMount))).every(Boolean);
}

/** The unmount targets of pinned namespaces, each path once (pure). */
export function pinnedTargets(...paths: PinnedNamespaces[]): UnmountTarget[] {
  return [...new Set(paths.flatMap((p) => [p.ipc, p.uts, p.user ?? '']).filter(Boolean))].map(namespaceTarget);
}
