// A pod as the container part sees it (its PodView contract in src/container/deps.ts).
import type { PodView } from '../container/deps.js';
import type { PodRecord } from './types.js';

export type PodViewShape = PodView;

export function podView(rec: PodRecord): PodView {
  return {
    id: rec.id,
    name: rec.metadata.name,
    namespace: rec.metadata.namespace,
    uid: rec.metadata.uid,
    ready: rec.state === 'SANDBOX_READY',
    runtimeHandler: rec.runtimeHandler,
    hostNetwork: rec.namespaces.network === 'NODE',
    hostIpc: rec.namespaces.ipc === 'NODE',
    hostPid: rec.namespaces.pid === 'NODE',
    privileged: !!rec.config.linux?.security_context?.privileged,
    netnsPath: rec.netnsPath,
    infraPid: rec.infraPid,
    ...(rec.pinnedNamespaces ? { ipcNsPath: rec.pinnedNamespaces.ipc, utsNsPath: rec.pinnedNamespaces.uts } : {}),
    ...(rec.userns && rec.pinnedNamespaces?.user ? { userns: { path: rec.pinnedNamespaces.user, ...rec.userns } } : {}),
    cgroupParent: rec.cgroupParent,
    hostsPath: rec.hostsPath,
    resolvConfPath: rec.resolvConfPath,
    hostnamePath: rec.hostnamePath,
    shmPath: rec.shmPath,
    logDirectory: rec.logDirectory,
    hostname: rec.hostname,
    sysctls: rec.config.linux?.sysctls ?? {},
  };
}
