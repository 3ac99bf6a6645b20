// Fakes shared by the container part's unit tests (not used by the runtime itself).
import type { PodView } from './deps.js';

/** A ready host-network pod 'pod1' as the pod part would describe it to containers. */
export function fakePodView(over: Partial<PodView> = {}): PodView {
  return {
    id: 'pod1', name: 'p', namespace: 'n', uid: 'u', ready: true, runtimeHandler: 'runc', hostNetwork: true, hostIpc: true, hostPid: false, privileged: false,
    netnsPath: '', infraPid: 1, cgroupParent: '/rktlet/pod1', hostsPath: '', resolvConfPath: '', hostnamePath: '', shmPath: '',
    logDirectory: '', hostname: 'p', sysctls: {},
    ...over,
  };
}
