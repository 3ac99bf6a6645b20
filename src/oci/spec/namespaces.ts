// Namespaces: a container joins its pod's network, IPC and UTS namespaces; its PID namespace is
// its own (CONTAINER), the pod's (POD), the host's (NODE) or another container's (TARGET); a
// user-namespaced pod's containers join its user namespace too.
import { InvalidArgumentError } from '../../errors/catalog.js';
import type { OciIdMapping, OciNamespace, SpecOpt } from './types.js';

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceInput {
  /** The pod's network namespace file; ignored with networkMode NODE. */
  netnsPath: string;
  networkMode: 'POD' | 'NODE';
  ipcMode: 'POD' | 'NODE';
  pidMode: NamespaceMode;
  /** The pod infra process: its /proc/<pid>/ns/* are the pod's IPC, UTS and PID namespaces. */
  infraPid: number;
  /** A pod without an infra: its pinned IPC and UTS namespace files (used instead of infraPid's). */
  ipcNsPath?: string;
  utsNsPath?: string;
  /** The pod's pinned user namespace and its mappings (userns_options POD). */
  userns?: { path: string; uidMappings: OciIdMapping[]; gidMappings: OciIdMapping[] };
  /** PID of the target container's process (pidMode TARGET). */
  targetPid?: number;
  /** Where /proc is for these paths (tests: a fixture). */
  procRoot?: string;
}

export function namespaceModeFromCri(mode: string): NamespaceMode {
  switch (mode) {
    case 'POD':
    case 'CONTAINER':
    case 'NODE':
    case 'TARGET':
      return mode;
    default:
      throw new InvalidArgumentError(`unknown namespace mode ${mode}`);
  }
}

export function withNamespaces(n: NamespaceInput): SpecOpt {
  return (s) => {
    const proc = n.procRoot ?? '/proc';
    const nsPath = (pid: number, kind: string): string => {
      if (!(pid > 0)) throw new InvalidArgumentError(`no process to join the ${kind} namespace of`);
      return `${proc}/${pid}/ns/${kind}`;
    };
    const out: OciNamespace[] = [{ type: 'mount' }];
    if (n.networkMode === 'POD') {
      if (!n.netnsPath) throw new InvalidArgumentError('the pod has no network namespace');
      out.push({ type: 'network', path: n.netnsPath });
      out.push({ type: 'uts', path: n.utsNsPath || nsPath(n.infraPid, 'uts') });
    } // host network: the host's network and UTS namespaces (hostname is the node's)
    if (n.ipcMode === 'POD') out.push({ type: 'ipc', path: n.ipcNsPath || nsPath(n.infraPid, 'ipc') });
    switch (n.pidMode) {
      case 'CONTAINER':
        out.push({ type: 'pid' });
        break;
      case 'POD':
        // Only a pod created with a shared PID namespace has an infra holding one.
        if (!(n.infraPid > 0)) throw new InvalidArgumentError('the pod has no shared PID namespace (it was not created with namespace_options.pid POD)');
        out.push({ type: 'pid', path: nsPath(n.infraPid, 'pid') });
        break;
      case 'TARGET':
        out.push({ type: 'pid', path: nsPath(n.targetPid ?? 0, 'pid') });
        break;
      case 'NODE':
        break;
    }
    if (n.userns) {
      // Joined like the pod's other namespaces; the mappings are the ones it has (runc wants them said).
      out.push({ type: 'user', path: n.userns.path });
      s.linux.uidMappings = n.userns.uidMappings;
      s.linux.gidMappings = n.userns.gidMappings;
    }
    s.linux.namespaces = out;
  };
}

/** cgroup v2 hosts give each container its own cgroup namespace, as containerd does. */
export function withCgroupNamespace(on: boolean): SpecOpt {
  return (s) => {
    if (on && !s.linux.namespaces.some((ns) => ns.type === 'cgroup')) s.linux.namespaces.push({ type: 'cgroup' });
  };
}
