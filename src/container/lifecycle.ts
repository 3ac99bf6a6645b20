// StartContainer, StopContainer, RemoveContainer, and the pod-level variants the pod part calls.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '../errors/catalog.js';
import { nowNs } from '../util/time.js';
import type { LifecycleDeps } from './step-deps.js';
import type { ContainerRecord } from './types.js';

export async function startContainer(svc: LifecycleDeps, idOrPrefix: string): Promise<void> {
  const id = svc.get(idOrPrefix).meta.id;
  await svc.lock.run(id, async () => {
    const r = svc.store.get(id);
    if (r.status.state !== 'created') throw new FailedPreconditionError(`container ${id} is ${r.status.state}, not created`);
    if (svc.stopping.has(id)) throw new FailedPreconditionError(`container ${id} is being stopped: it cannot be started`);
    const rt = svc.deps.runtime(r.meta.runtimeHandler);
    // Taken before the start: the process may exit before `start` returns.
    const startedAtNs = nowNs().toString();
    try {
      await rt.start(id);
    } catch (err) {
      // Started already, by a StartContainer (daemon or CLI) killed before it could record it:
      // this retry finishes that one.
      const st = await rt.state(id).catch(() => undefined);
      if (st?.status === 'running') {
        await svc.store.updateStatus(id, (s) => ({ ...s, state: 'running', pid: st.pid, startedAtNs }));
        svc.publish('CONTAINER_STARTED_EVENT', r);
        return;
      }
      // A start that failed must leave nothing running, since it is recorded as exited (as
      // containerd does): a start that timed out may have started the process, or left the
      // container created, so kill whatever is there (bounded by the runtime timeout).
      await rt.kill(id, 'KILL', true).catch((e: unknown) => svc.deps.log.warn({ err: e, id }, 'killing a container whose start failed'));
      await svc.store.updateStatus(id, (s) => ({
        ...s,
        state: 'exited',
        pid: 0,
        exitCode: 128,
        finishedAtNs: nowNs().toString(),
        reason: 'StartError',
        message: err instanceof Error ? err.message : String(err),
      }));
      svc.publish('CONTAINER_STOPPED_EVENT', r);
      throw err;
    }
    // The pid is the one create recorded: `runc start` execs the user process in that same process.
    await svc.store.updateStatus(id, (s) => ({ ...s, state: 'running', startedAtNs }));
    svc.publish('CONTAINER_STARTED_EVENT', r);
  });
}

/**
 * Stop: the stop signal, then SIGKILL after `timeoutSec` (0: SIGKILL at once). Idempotent: a
 * container that is not running is left as it is, one already removed (or never made) is fine
 * (the kubelet retries stops; containerd answers OK too).
 */
export async function stopContainer(svc: LifecycleDeps, idOrPrefix: string, timeoutSec: number): Promise<void> {
  const r = svc.store.find(idOrPrefix);
  if (!r) return;
  const id = r.meta.id;
  if (r.status.state === 'exited') return;
  // Marked under the lock: a start in flight finishes first, and none begins while the runtime
  // kills (runc start racing runc kill --all failed with "paused" or "already running").
  const exited = await svc.lock.run(id, async () => {
    if (await svc.recordExit(id)) return true;
    svc.stopping.set(id, (svc.stopping.get(id) ?? 0) + 1);
    return false;
  });
  if (exited) return;
  try {
    await killAndWait(svc, r, timeoutSec);
  } finally {
    const n = (svc.stopping.get(id) ?? 1) - 1;
    if (n > 0) svc.stopping.set(id, n);
    else svc.stopping.delete(id);
  }
}

async function killAndWait(svc: LifecycleDeps, r: ContainerRecord, timeoutSec: number): Promise<void> {
  const id = r.meta.id;
  const rt = svc.deps.runtime(r.meta.runtimeHandler);
  const kill = async (sig: string): Promise<void> => {
    try {
      await rt.kill(id, sig, true);
    } catch (err) {
      // Gone already: the exit file tells the rest.
      if (!(await svc.waitExited(id, 1000))) throw err;
    }
  };
  if (timeoutSec > 0 && r.status.state === 'running') {
    await kill(r.meta.stopSignal);
    if (await svc.waitExited(id, timeoutSec * 1000)) return;
  }
  await kill('SIGKILL');
  if (await svc.waitExited(id, svc.deps.config.runtime.stop_kill_grace_seconds * 1000)) return;
  // conmon did not report: ask the runtime once more before giving up.
  await svc.reconcile(id);
  if (svc.store.get(id).status.state !== 'exited') throw new FailedPreconditionError(`container ${id} did not stop after SIGKILL`);
}

/** Remove: stops a running container first; idempotent (an unknown ID is fine). */
export async function removeContainer(svc: LifecycleDeps, idOrPrefix: string): Promise<void> {
  const r = svc.store.find(idOrPrefix);
  if (!r) return;
  const id = r.meta.id;
  if (r.status.state !== 'exited') await stopContainer(svc, id, 0);
  await svc.lock.run(id, async () => {
    const cur = svc.store.find(id);
    if (!cur) return;
    if (!cur.status.removing) await svc.store.updateStatus(id, (s) => ({ ...s, removing: true }));
    await svc.deps.runtime(cur.meta.runtimeHandler).delete(id, true);
    await svc.deps.snapshots.remove(id);
    await rm(join(svc.exitDir, id), { force: true });
    await svc.store.delete(id);
    svc.publish('CONTAINER_DELETED_EVENT', cur);
  });
}

/** StopPodSandbox: every container of the pod, in parallel, with the given grace period. */
export async function stopPodContainers(svc: LifecycleDeps, podId: string, timeoutSec = 0): Promise<void> {
  const ids = svc.ofPod(podId).map((r) => r.meta.id);
  await Promise.all(ids.map((id) => stopContainer(svc, id, timeoutSec)));
}

/** RemovePodSandbox: every container of the pod. */
export async function removePodContainers(svc: LifecycleDeps, podId: string): Promise<void> {
  const ids = svc.ofPod(podId).map((r) => r.meta.id);
  for (const id of ids) await removeContainer(svc, id);
}
