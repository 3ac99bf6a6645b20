// Operations on a running container: ExecSync, UpdateContainerResources, ReopenContainerLog.
import { FailedPreconditionError, InvalidArgumentError, OciRuntimeError } from '../errors/catalog.js';
import type { ExecSyncResult, OciRuntime } from '../oci/runtime.js';
import { linuxResources, type ResourceRequest } from '../oci/spec/resources.js';
import { swapAccounting, isCgroupV2 } from './host-facts.js';
import type { OpsDeps } from './step-deps.js';
import { runtimeOf } from './runtime-of.js';

export async function execSyncInContainer(
  svc: OpsDeps,
  idOrPrefix: string,
  cmd: string[],
  timeoutSec: number,
  signal?: AbortSignal,
): Promise<ExecSyncResult> {
  if (cmd.length === 0) throw new InvalidArgumentError('cmd is required');
  if (!(timeoutSec >= 0)) throw new InvalidArgumentError(`timeout ${timeoutSec} is not valid`);
  const r = svc.getRunning(idOrPrefix);
  const rt = runtimeOf(svc.deps, r.meta.runtimeHandler, `container ${r.meta.id}`);
  try {
    return await rt.execSync({
      id: r.meta.id,
      cmd,
      timeoutMs: timeoutSec * 1000,
      maxOutputBytes: svc.deps.config.runtime.exec_sync_max_output_bytes,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw await stoppedMeanwhile(rt, r.meta.id, err);
  }
}

/**
 * A runtime failure while the container was being stopped is a race (FAILED_PRECONDITION, the
 * kubelet re-reads the state), whatever words the runtime used: runc exec racing an init that
 * exits says "error writing config to pipe: write init-p: broken pipe", among others (CI's
 * 50-client test met that one). The runtime's own state decides, not its message.
 */
async function stoppedMeanwhile(rt: OciRuntime, id: string, err: unknown): Promise<unknown> {
  if (!(err instanceof OciRuntimeError)) return err;
  const st = await rt.state(id).catch(() => undefined);
  if (st?.status === 'running') return err;
  return new FailedPreconditionError(`container ${id} is not running (it stopped meanwhile)`, { cause: err });
}

/** New limits for a created or running container; remembered for status and restarts. */
export async function updateContainerResources(svc: OpsDeps, idOrPrefix: string, res: ResourceRequest): Promise<void> {
  const id = svc.get(idOrPrefix).meta.id;
  await svc.lock.run(id, async () => {
    const r = svc.store.get(id);
    if (r.status.state !== 'running' && r.status.state !== 'created') {
      throw new FailedPreconditionError(`container ${id} is ${r.status.state}: only created or running containers can be updated`);
    }
    // oom_score_adj cannot change on a live process through the runtime: keep the old one.
    const next = { ...res, oomScoreAdj: r.status.resources.oomScoreAdj };
    const limits = linuxResources(next, { swapAccounting: await swapAccounting(await isCgroupV2()) });
    await svc.deps.runtime(r.meta.runtimeHandler).update(id, limits);
    await svc.store.updateStatus(id, (s) => ({ ...s, resources: next }));
  });
}

/** After the kubelet rotated the log (renamed it), the container's monitor reopens the path. */
export async function reopenContainerLog(svc: OpsDeps, idOrPrefix: string): Promise<void> {
  const r = svc.getRunning(idOrPrefix);
  const rt = runtimeOf(svc.deps, r.meta.runtimeHandler, `container ${r.meta.id}`);
  await rt.reopenLog({ id: r.meta.id, bundle: r.meta.bundle, logPath: r.meta.logPath });
}
