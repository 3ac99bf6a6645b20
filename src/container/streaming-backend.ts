// What the streaming server (and `rktlet exec`) runs: a container's or pod's session by its id,
// through the OCI runtime of its handler (src/oci/runtime.ts). The ids are checked when the CRI
// call hands out the URL and again when the session starts (the container may have stopped since).
import type { Duplex } from 'node:stream';
import { FailedPreconditionError, NotFoundError } from '../errors/catalog.js';
import type { OciRuntime } from '../oci/runtime.js';
import type { SessionStreams } from '../oci/session-streams.js';
import type { ExecResult, StreamingBackend, StreamingValidator } from '../streaming/backend.js';
import type { PodLookup } from './deps.js';
import { runtimeOf } from './runtime-of.js';
import type { ContainerRecord } from './types.js';

export interface ContainerStreamingDeps {
  containers: { getRunning(id: string): ContainerRecord };
  pods: PodLookup;
  /** The OCI runtime for a RuntimeClass handler name (the runtimes registry). */
  runtime(handler: string): OciRuntime;
}

export class ContainerStreaming implements StreamingBackend, StreamingValidator {
  constructor(private readonly deps: ContainerStreamingDeps) {}

  async checkContainer(containerId: string): Promise<void> {
    this.deps.containers.getRunning(containerId);
  }

  async checkPod(podSandboxId: string): Promise<void> {
    const pod = this.deps.pods.get(podSandboxId);
    if (!pod) throw new NotFoundError(`pod sandbox "${podSandboxId}" not found`);
    if (!pod.ready) throw new FailedPreconditionError(`pod sandbox ${pod.id} is not ready`);
  }

  async exec(containerId: string, cmd: string[], streams: SessionStreams): Promise<ExecResult> {
    const r = this.deps.containers.getRunning(containerId);
    return runtimeOf(this.deps, r.meta.runtimeHandler, `container ${r.meta.id}`).exec(r.meta.id, cmd, streams);
  }

  async attach(containerId: string, streams: SessionStreams): Promise<void> {
    const r = this.deps.containers.getRunning(containerId);
    return runtimeOf(this.deps, r.meta.runtimeHandler, `container ${r.meta.id}`).attach({ id: r.meta.id, bundle: r.meta.bundle }, streams);
  }

  async portForward(podSandboxId: string, port: number, stream: Duplex, signal: AbortSignal): Promise<void> {
    const pod = this.deps.pods.get(podSandboxId);
    if (!pod) throw new NotFoundError(`pod sandbox "${podSandboxId}" not found`);
    const netns = pod.hostNetwork ? '' : pod.netnsPath;
    return runtimeOf(this.deps, pod.runtimeHandler, `pod sandbox ${pod.id}`).portForward(netns, port, stream, signal);
  }
}
