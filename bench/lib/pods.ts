// Pods and containers as the kubelet would ask for them (metadata, log dirs, labels), and the
// bench's own bookkeeping: every object carries the label bench-run=<run id> so teardown can
// find exactly what this run created.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CriClient, StrictBytes } from '../../src/client/cri-client.js';
import type { PodSandboxConfig } from '../../src/gen/runtime/v1/PodSandboxConfig.js';
import type { ContainerConfig as LooseContainerConfig } from '../../src/gen/runtime/v1/ContainerConfig.js';

/** The generated type with bytes fields as bytes only (see the client's StrictBytes). */
type ContainerConfig = StrictBytes<LooseContainerConfig>;

export const RUN_LABEL = 'bench-run';

/** Default per-call deadline: a hung runtime fails its row instead of hanging the run. */
export const CALL_TIMEOUT_MS = 120_000;

export interface PodSpec {
  runId: string;
  name: string;
  logRoot: string;
}

export function podConfig(s: PodSpec): PodSandboxConfig {
  const uid = randomUUID();
  const logDir = join(s.logRoot, `bench_${s.name}_${uid}`);
  mkdirSync(logDir, { recursive: true });
  return {
    metadata: { name: s.name, uid, namespace: 'bench', attempt: 0 },
    hostname: s.name,
    log_directory: logDir,
    labels: { [RUN_LABEL]: s.runId, 'io.kubernetes.pod.name': s.name },
    annotations: {},
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' }, seccomp: RUNTIME_DEFAULT } },
  };
}

/**
 * Both runtimes are asked for their RuntimeDefault seccomp profile, as the kubelet asks with
 * SeccompDefault (or a pod's seccompProfile: RuntimeDefault): without it containerd runs
 * containers unconfined while rktlet applies RuntimeDefault anyway, and the two would not do the
 * same work (runc compiles and loads the filter at every create and exec).
 */
export const RUNTIME_DEFAULT = { profile_type: 'RuntimeDefault' as const, localhost_ref: '' };

/** A shell that exits on SIGTERM at once (a plain `sleep` as PID 1 ignores it until SIGKILL). */
export const SLEEPER = ['/bin/sh', '-c', "trap 'exit 0' TERM; sleep 86400 & wait"];

export function containerConfig(runId: string, name: string, image: string): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: { image },
    command: SLEEPER,
    log_path: `${name}_0.log`,
    labels: { [RUN_LABEL]: runId },
    linux: { resources: {}, security_context: { seccomp: RUNTIME_DEFAULT } },
  };
}

export interface PodHandle {
  podId: string;
  containerIds: string[];
}

const t = { timeoutMs: CALL_TIMEOUT_MS };

export async function runPod(client: CriClient, config: PodSandboxConfig): Promise<string> {
  const r = await client.runtime('RunPodSandbox', { config, runtime_handler: '' }, t);
  return r.pod_sandbox_id;
}

export async function startContainer(client: CriClient, podId: string, pod: PodSandboxConfig, config: ContainerConfig): Promise<string> {
  const { container_id } = await client.runtime('CreateContainer', { pod_sandbox_id: podId, config, sandbox_config: pod }, t);
  await client.runtime('StartContainer', { container_id }, t);
  return container_id;
}

export async function stopRemoveContainer(client: CriClient, id: string): Promise<void> {
  await client.runtime('StopContainer', { container_id: id, timeout: 10 }, t);
  await client.runtime('RemoveContainer', { container_id: id }, t);
}

export async function stopRemovePod(client: CriClient, podId: string): Promise<void> {
  await client.runtime('StopPodSandbox', { pod_sandbox_id: podId }, t);
  await client.runtime('RemovePodSandbox', { pod_sandbox_id: podId }, t);
}

/** A pod with `containers` started containers; on failure removes what it made, then throws. */
export async function podWithContainers(client: CriClient, spec: PodSpec, image: string, containers: number): Promise<PodHandle> {
  const pod = podConfig(spec);
  const podId = await runPod(client, pod);
  const ids: string[] = [];
  try {
    for (let i = 0; i < containers; i++) ids.push(await startContainer(client, podId, pod, containerConfig(spec.runId, `c${i}`, image)));
  } catch (err) {
    await stopRemovePod(client, podId).catch(() => undefined);
    throw err;
  }
  return { podId, containerIds: ids };
}

/** Runs fn over items with at most `limit` in flight; the first error is thrown after all settle. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let firstErr: unknown;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (err) {
        firstErr ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstErr !== undefined) throw firstErr;
  return out;
}

const GRPC_NOT_FOUND = 5;

/** Already gone is fine when tearing down. */
async function ignoreNotFound(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { code?: unknown }).code !== GRPC_NOT_FOUND) throw err;
  }
}

/** Stops and removes every container and pod of this run. */
export async function removeRunPods(client: CriClient, runId: string, concurrency = 8): Promise<number> {
  const { items } = await client.runtime('ListPodSandbox', { filter: { label_selector: { [RUN_LABEL]: runId } } }, t);
  const { containers } = await client.runtime('ListContainers', { filter: { label_selector: { [RUN_LABEL]: runId } } }, t);
  await pool(containers, concurrency, (c) => ignoreNotFound(stopRemoveContainer(client, c.id)));
  await pool(items, concurrency, (p) => ignoreNotFound(stopRemovePod(client, p.id)));
  return items.length;
}

export async function countRunning(client: CriClient, runId: string): Promise<number> {
  const { containers } = await client.runtime(
    'ListContainers',
    { filter: { state: { state: 'CONTAINER_RUNNING' }, label_selector: { [RUN_LABEL]: runId } } },
    t,
  );
  return containers.length;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const details = (err as { details?: unknown }).details;
    if (typeof code === 'number' && typeof details === 'string') return `gRPC ${grpcCodeName(code)}: ${details}`;
    return err.message;
  }
  return String(err);
}

const CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

function grpcCodeName(code: number): string {
  return CODES[code] ?? String(code);
}
