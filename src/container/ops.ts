// Operations on a running container: ExecSync, UpdateContainerResources, ReopenContainerLog.
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError, OciRuntimeError, isErrno } from '../errors/catalog.js';
import { execSync, runtimeRoot, type ExecSyncResult } from '../oci/exec-sync.js';
import { linuxResources, type ResourceRequest } from '../oci/spec/resources.js';
import { swapAccounting, isCgroupV2 } from './host-facts.js';
import type { OpsDeps } from './step-deps.js';

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
  const cfg = svc.deps.config;
  const handler = cfg.runtime.handlers[r.meta.runtimeHandler];
  if (!handler) throw new FailedPreconditionError(`runtime handler "${r.meta.runtimeHandler}" is not configured`);
  try {
    return await execSync({
      handler,
    root: runtimeRoot(handler, r.meta.runtimeHandler, cfg.run_root),
    id: r.meta.id,
    cmd,
    timeoutMs: timeoutSec * 1000,
    maxOutputBytes: cfg.runtime.exec_sync_max_output_bytes,
      pidDir: join(cfg.run_root, 'exec-pids'),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw await stoppedMeanwhile(svc, r.meta.runtimeHandler, r.meta.id, err);
  }
}

/**
 * A runtime failure while the container was being stopped is a race (FAILED_PRECONDITION, the
 * kubelet re-reads the state), whatever words the runtime used: runc exec racing an init that
 * exits says "error writing config to pipe: write init-p: broken pipe", among others (CI's
 * 50-client test met that one). The runtime's own state decides, not its message.
 */
async function stoppedMeanwhile(svc: OpsDeps, handler: string, id: string, err: unknown): Promise<unknown> {
  if (!(err instanceof OciRuntimeError)) return err;
  const st = await svc.deps.runtime(handler).state(id).catch(() => undefined);
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

/**
 * After the kubelet rotated the log (renamed it), conmon reopens the path: message type 2
 * ("reopen logs") on its control fifo <bundle>/ctl. Waits until the new file exists.
 */
export async function reopenContainerLog(svc: OpsDeps, idOrPrefix: string): Promise<void> {
  const r = svc.getRunning(idOrPrefix);
  if (!r.meta.logPath) return;
  let fh;
  try {
    fh = await open(join(r.meta.bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENXIO') || isErrno(err, 'ENOENT')) throw new FailedPreconditionError(`container ${r.meta.id} has no running monitor`, { cause: err });
    throw err;
  }
  try {
    await fh.write('2 0 0\n');
  } finally {
    await fh.close();
  }
  for (let i = 0; i < 50; i++) {
    try {
      await stat(r.meta.logPath);
      return;
    } catch {
      await sleep(20);
    }
  }
  throw new FailedPreconditionError(`conmon did not reopen ${r.meta.logPath}`);
}
