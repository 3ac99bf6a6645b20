// Fakes shared by the container part's unit tests (not used by the runtime itself).
import type { PodView } from './deps.js';
import type { ExecSyncResult, OciRuntime } from '../oci/runtime.js';

/** A ready host-network pod 'pod1' as the pod part would describe it to containers. */
export function fakePodView(over: Partial<PodView> = {}): PodView {
  return {
    id: 'pod1', name: 'p', namespace: 'n', uid: 'u', ready: true, runtimeHandler: 'runc', hostNetwork: true, hostIpc: true, hostPid: false, privileged: false,
    netnsPath: '', infraPid: 1, cgroupParent: '/rktlet/pod1', hostsPath: '', resolvConfPath: '', hostnamePath: '', shmPath: '',
    logDirectory: '', hostname: 'p', sysctls: {},
    ...over,
  };
}

function refuse(op: string): Promise<never> {
  return Promise.reject(new Error(`${op} is not part of this fake runtime`));
}

/**
 * The OciRuntime's session operations for fakes that only create, start and stop: each one fails
 * loudly, so a test that reaches one by mistake says so. Own properties: a fake may extend the
 * class or spread an instance.
 */
export class NoSessions implements Pick<OciRuntime, 'execSync' | 'exec' | 'attach' | 'resize' | 'reopenLog' | 'portForward'> {
  execSync = (): Promise<ExecSyncResult> => refuse('execSync');
  exec = (): Promise<{ exitCode: number }> => refuse('exec');
  attach = (): Promise<void> => refuse('attach');
  resize = (): Promise<void> => refuse('resize');
  reopenLog = (): Promise<void> => refuse('reopenLog');
  portForward = (): Promise<void> => refuse('portForward');
}
