// The container part of the engine: the store, the lifecycle (create/start/stop/remove), the exit
// monitor and the operations on running containers. State on disk is the truth; recover()
// rebuilds memory and reconciles with conmon's exit files and the runtime.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerEventType } from '../events/bus.js';
import { FailedPreconditionError, NotFoundError, isErrno } from '../errors/catalog.js';
import { nowNs } from '../util/time.js';
import { ContainerStore } from './store.js';
import { KeyedLock } from './keyed-lock.js';
import { isContainerProcess, isContainerProcessSync } from './process-identity.js';
import { containersDir, exitDir } from './paths.js';
import { oomCounterFiles, readExitFile } from '../oci/conmon-runtime/exit-files.js';
import { exitReason } from './to-cri.js';
import type { ContainerDeps, PodLookup } from './deps.js';
import { removeContainer, removePodContainers, startContainer, stopContainer, stopPodContainers } from './lifecycle.js';
import { execSyncInContainer, reopenContainerLog, updateContainerResources } from './ops.js';
import { createContainer } from './create.js';
import type { CreateDeps, LifecycleDeps, OpsDeps } from './step-deps.js';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import type { ExecSyncResult } from '../oci/runtime.js';
import type { ResourceRequest } from '../oci/spec/resources.js';
import { eachLimit } from '../util/each-limit.js';
import { sweepCrashedCreates } from './crashed-creates.js';
import { forgetMonitorsExcept, monitorGone, monitorRunning } from '../oci/conmon-runtime/monitor-gone.js';
import type { ContainerRecord } from './types.js';

export class ContainerService {
  readonly store: ContainerStore;
  /** Per container, across processes (the CLI and the daemon share the state root). */
  private readonly lock: KeyedLock;
  /** Containers a stop is killing in this process (how many stops), which StartContainer refuses. */
  private readonly stopping = new Map<string, number>();
  /** 'exited' with the container ID, whenever an exit is recorded. */
  private readonly exits = new EventEmitter();
  /** What the steps get of this service (step-deps.ts). */
  private readonly lifecycle: LifecycleDeps;
  private readonly ops: OpsDeps;
  private readonly creating: CreateDeps;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ContainerDeps) {
    this.store = new ContainerStore(containersDir(deps.config));
    this.lock = new KeyedLock(join(deps.config.run_root, 'locks', 'containers'), (id) => this.store.reload(id));
    this.store.busy = (id) => this.lock.held(id);
    this.store.onExternal = (kind, r, prev) => this.externalEvents(kind, r, prev);
    this.exits.setMaxListeners(0);
    const base = { deps, store: this.store, lock: this.lock, get: (id: string) => this.get(id) };
    this.lifecycle = {
      ...base,
      stopping: this.stopping,
      exitDir: this.exitDir,
      ofPod: (podId) => this.ofPod(podId),
      publish: (type, r) => this.publish(type, r),
      recordExit: (id) => this.recordExit(id),
      waitExited: (id, ms) => this.waitExited(id, ms),
      reconcile: (id) => this.reconcile(id),
    };
    this.ops = { ...base, getRunning: (id) => this.getRunning(id) };
    this.creating = base;
  }

  /** The pods the containers belong to, as the pod part shows them. */
  get pods(): PodLookup {
    return this.deps.pods;
  }

  private get exitDir(): string {
    return exitDir(this.deps.config);
  }

  create(req: CreateContainerRequest__Output): Promise<string> {
    return createContainer(this.creating, req);
  }

  start(idOrPrefix: string): Promise<void> {
    return startContainer(this.lifecycle, idOrPrefix);
  }

  /** The stop signal, then SIGKILL after `timeoutSec`; idempotent (lifecycle.ts). */
  stop(idOrPrefix: string, timeoutSec: number): Promise<void> {
    return stopContainer(this.lifecycle, idOrPrefix, timeoutSec);
  }

  /** Stops a running container first; idempotent. */
  remove(idOrPrefix: string): Promise<void> {
    return removeContainer(this.lifecycle, idOrPrefix);
  }

  /** StopPodSandbox: every container of the pod. */
  stopPod(podId: string, timeoutSec = 0): Promise<void> {
    return stopPodContainers(this.lifecycle, podId, timeoutSec);
  }

  /** RemovePodSandbox: every container of the pod. */
  removePod(podId: string): Promise<void> {
    return removePodContainers(this.lifecycle, podId);
  }

  execSync(idOrPrefix: string, cmd: string[], timeoutSec: number, signal?: AbortSignal): Promise<ExecSyncResult> {
    return execSyncInContainer(this.ops, idOrPrefix, cmd, timeoutSec, signal);
  }

  updateResources(idOrPrefix: string, res: ResourceRequest): Promise<void> {
    return updateContainerResources(this.ops, idOrPrefix, res);
  }

  reopenLog(idOrPrefix: string): Promise<void> {
    return reopenContainerLog(this.ops, idOrPrefix);
  }

  /** A lifecycle event of the container (CreateContainer's handler announces a create when it answers). */
  publish(type: ContainerEventType, r: ContainerRecord): void {
    this.deps.events.publish({ type, containerId: r.meta.id, podSandboxId: r.meta.podId, createdAtNs: nowNs().toString() });
  }

  /** Events for what another process (the CLI, or the daemon for the CLI) did to a container. */
  private externalEvents(kind: 'added' | 'changed' | 'removed', r: ContainerRecord, prev?: string): void {
    if (kind === 'removed') {
      this.publish('CONTAINER_DELETED_EVENT', r);
      return;
    }
    if (kind === 'added') this.publish('CONTAINER_CREATED_EVENT', r);
    const from = prev ?? 'created';
    const state = r.status.state;
    if (from === 'created' && state !== 'created' && r.status.startedAtNs !== '0') this.publish('CONTAINER_STARTED_EVENT', r);
    if (state === 'exited' && from !== 'exited') {
      this.publish('CONTAINER_STOPPED_EVENT', r);
      this.exits.emit('exited', r.meta.id);
    }
  }

  /** Loads the store, records exits that happened while we were away, starts the monitor. */
  async recover(): Promise<void> {
    const { broken } = await this.store.recover();
    // Creates that died half-way (their writable layer, their incomplete record): never started.
    const swept = await this.sweepCrashed();
    for (const b of broken) {
      if (swept.includes(b.id)) continue;
      // Both files there but unreadable (or a create in another process right now): left for later
      // unless old, as before.
      const st = await stat(join(this.store.dir, b.id)).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < 10 * 60_000) continue;
      this.deps.log.warn({ id: b.id, err: b.error }, 'dropping an unreadable container record');
      await rm(join(this.store.dir, b.id), { recursive: true, force: true });
    }
    await mkdir(this.exitDir, { recursive: true, mode: 0o700 });
    this.startMonitor();
    // The locks of processes that died holding them: their operations finished or undone, never
    // the lock file alone dropped. A create that died after the listing above (in another
    // process: a CLI verb beside the daemon, killed while this one opened) is seen only here; were
    // its lock dropped, nothing would ever sweep its half-made parts or reconcile its record.
    await this.finishOrphanedOperations().catch((err: unknown) => this.deps.log.warn({ err }, 'finishing operations of dead processes failed'));
    await eachLimit(this.store.list(), 8, async (r) => {
      if (r.status.removing) {
        // A RemoveContainer that did not finish: finish it (every step is idempotent).
        await removeContainer(this.lifecycle, r.meta.id).catch((err: unknown) => this.deps.log.warn({ err, id: r.meta.id }, 'finishing a removal failed'));
        return;
      }
      if (r.status.state === 'exited' || this.runningAsRecorded(r)) return;
      await this.reconcile(r.meta.id).catch((err: unknown) => this.deps.log.warn({ err, id: r.meta.id }, 'reconcile failed'));
    });
  }

  /**
   * Still the recorded process, with no exit file waiting: nothing to reconcile, so no lock (it
   * writes nothing). Synchronous reads, for start-up only: most containers are in this case.
   */
  private runningAsRecorded(r: ContainerRecord): boolean {
    // Not 'created': `runc start` execs in the same process, so only the runtime tells whether a
    // start killed before its record write got through.
    if (r.status.state !== 'running') return false;
    if (existsSync(join(this.exitDir, r.meta.id))) return false;
    return isContainerProcessSync(r.status.pid, r.meta.createdAtNs);
  }

  /** Watches the exit directory: conmon writes <id> there when a container's process ends. */
  private startMonitor(): void {
    try {
      this.watcher = watch(this.exitDir, (_event, name) => {
        if (name) void this.onExitFile(String(name));
      });
      this.watcher.on('error', (err) => this.deps.log.warn({ err }, 'exit directory watch failed'));
    } catch (err) {
      this.deps.log.warn({ err }, 'cannot watch the exit directory; polling only');
    }
    // A safety net for missed inotify events (and files written between recover and watch).
    this.poller = setInterval(() => void this.pollRunning(), 2000);
    this.poller.unref();
  }

  private async pollRunning(): Promise<void> {
    // Containers another process (the CLI) created or started are watched too.
    await this.store.sync().catch((err: unknown) => this.deps.log.warn({ err }, 'container index sync failed'));
    // One listing of the exit directory, not a lock and a read per container every 2 s: only a
    // container with an exit file can have exited.
    let exited: Set<string>;
    try {
      exited = new Set(await readdir(this.exitDir));
    } catch (err) {
      this.deps.log.warn({ err }, 'cannot list the exit directory');
      return;
    }
    for (const r of this.store.list()) {
      if (r.status.state === 'running' || r.status.state === 'created') {
        if (exited.has(r.meta.id)) await this.onExitFile(r.meta.id);
        // No exit file, and no conmon left to write one: the runtime tells what became of it.
        else if ((await monitorGone({ bundle: r.meta.bundle, pid: r.status.pid, createdAtNs: r.meta.createdAtNs })) || (await this.createOrphaned(r))) {
          await this.reconcile(r.meta.id).catch((err: unknown) => this.deps.log.warn({ err, id: r.meta.id }, 'reconcile failed'));
        }
      } else if (r.status.state === 'unknown') await this.reconcile(r.meta.id).catch(() => undefined);
    }
    forgetMonitorsExcept(new Set(this.store.list().filter((r) => r.status.state === 'running' || r.status.state === 'created').map((r) => r.meta.bundle)));
    await this.finishOrphanedOperations().catch((err: unknown) => this.deps.log.warn({ err }, 'finishing operations of dead processes failed'));
  }

  /**
   * A CREATED record with no pid that nobody is creating: its create died before it recorded the
   * runtime's answer, perhaps while its conmon was still running the runtime's create (reconcile
   * leaves it as it is then). Asked again each round until the runtime knows it, or conmon is gone.
   */
  private async createOrphaned(r: ContainerRecord): Promise<boolean> {
    return r.status.state === 'created' && r.status.pid === 0 && !this.lock.held(r.meta.id) && !(await this.lock.heldElsewhere(r.meta.id));
  }

  /**
   * Containers whose lock a dead process holds: a CLI verb killed half-way beside the daemon (its
   * create, start or stop). Reconciled with the runtime under the lock (which takes it over), or,
   * for a create that never wrote its record, swept; either way the lock file goes.
   */
  private async finishOrphanedOperations(): Promise<void> {
    for (const id of await this.lock.deadHolderKeys()) {
      // A create that never wrote its whole record, or the temp file of a write killed before its rename.
      await this.sweepCrashed([id]);
      // Nothing of it left at all: the lock file alone goes.
      if (!existsSync(join(this.store.dir, id, 'meta.json'))) {
        await this.lock.run(id, async () => undefined);
        continue;
      }
      // Reconciled under the lock, which re-reads the record first, so also a record this process
      // never indexed (a create killed between its record write and the change stamp's bump: its
      // CREATED record may name no runtime container, and only this reconcile would ever tell).
      await this.reconcile(id).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
      // A RemoveContainer killed half-way: finished (every step is idempotent), as recovery does.
      if (this.store.find(id)?.status.removing) await removeContainer(this.lifecycle, id);
    }
  }

  /** Sweeps what crashed creates left (of the given ids only, or every one); logs what went. */
  private async sweepCrashed(only?: string[]): Promise<string[]> {
    const swept = await sweepCrashedCreates({
      containersDir: this.store.dir,
      snapshots: this.deps.snapshots,
      lock: this.lock,
      isPod: (id) => this.deps.pods.get(id) !== undefined,
      ...(only ? { only } : {}),
    }).catch((err: unknown) => {
      this.deps.log.warn({ err }, 'sweeping crashed creates failed');
      return [] as string[];
    });
    if (swept.length) this.deps.log.warn({ ids: swept }, 'removed what crashed CreateContainer calls left');
    return swept;
  }

  private async onExitFile(id: string): Promise<void> {
    if (!this.store.find(id)) {
      // Perhaps a container another process created.
      await this.store.sync().catch(() => undefined);
      if (!this.store.find(id)) return;
    }
    try {
      await this.lock.run(id, () => this.recordExit(id));
    } catch (err) {
      this.deps.log.warn({ err, id }, 'recording an exit failed');
    }
  }

  /** Records the exit from conmon's file (under the container's lock). True when it exited. */
  private async recordExit(id: string): Promise<boolean> {
    const r = this.store.find(id);
    if (!r) return false;
    if (r.status.state === 'exited') return true;
    const rep = await readExitFile(this.exitDir, id, r.meta.bundle, oomCounterFiles(r.meta.cgroupsPath));
    if (!rep) return false;
    await this.store.updateStatus(id, (s) => ({
      ...s,
      state: 'exited',
      pid: 0,
      exitCode: rep.exitCode,
      // File times come from the kernel's coarse clock: never before the recorded start.
      finishedAtNs: BigInt(rep.finishedAtNs) < BigInt(s.startedAtNs) ? s.startedAtNs : rep.finishedAtNs,
      // A container killed before it started never ran: no start time, as containerd reports it.
      reason: exitReason(rep.exitCode, rep.oomKilled),
      message: rep.oomKilled ? 'the container exceeded its memory limit' : '',
    }));
    this.deps.log.info({ id, exitCode: rep.exitCode, oom: rep.oomKilled }, 'container exited');
    this.publish('CONTAINER_STOPPED_EVENT', r);
    this.exits.emit('exited', id);
    return true;
  }

  /** After a restart: exited meanwhile (exit file), still there (runtime state), or lost. */
  private async reconcile(id: string): Promise<void> {
    await this.lock.run(id, async () => {
      if (await this.recordExit(id)) return;
      const r = this.store.get(id);
      // Still the process we recorded: nothing to ask the runtime (a spawn per container).
      // (Not for 'created': the same process runs on after `runc start`, which a killed StartContainer
      // may have run before it could record it.)
      if (r.status.state === 'running' && (await isContainerProcess(r.status.pid, r.meta.createdAtNs))) return;
      let st;
      try {
        st = await this.deps.runtime(r.meta.runtimeHandler).state(id);
      } catch (err) {
        // The runtime cannot tell right now (broken binary, …): UNKNOWN until it can, never a
        // made-up exit. The poller asks again.
        if (r.status.state !== 'unknown') {
          const why = err instanceof Error ? err.message : String(err);
          await this.store.updateStatus(id, (s) => ({ ...s, state: 'unknown', message: `the runtime cannot report the container: ${why}` }));
        }
        return;
      }
      // A create whose caller died while conmon ran the runtime's `create`: conmon goes on, and
      // the runtime knows the container (as "creating", then "created") only once it is through.
      // Left as recorded, never declared gone meanwhile: the poll reconciles once conmon is gone,
      // and a created container is what the record already says.
      if (r.status.state === 'created' && (!st || st.status === 'creating') && (await monitorRunning(r.meta.bundle))) return;
      if (st && st.status !== 'stopped') {
        const was = r.status.state;
        const state = st.status === 'created' || st.status === 'creating' ? 'created' : 'running';
        // Started while the daemon was away (or known again after an UNKNOWN spell), or created by
        // a CreateContainer killed before it recorded the pid.
        if (was === 'unknown' || was !== state || r.status.pid !== st.pid) {
          await this.store.updateStatus(id, (s) => ({
            ...s,
            state,
            pid: st.pid,
            message: '',
            startedAtNs: state === 'running' && s.startedAtNs === '0' ? nowNs().toString() : s.startedAtNs,
          }));
        }
        return;
      }
      // Give conmon a moment to write the exit file of a container that just stopped.
      await sleep(200);
      if (await this.recordExit(id)) return;
      await this.store.updateStatus(id, (s) => ({
        ...s,
        state: 'exited',
        pid: 0,
        exitCode: 255,
        finishedAtNs: nowNs().toString(),
        reason: 'Error',
        message: 'the container process is gone and left no exit code',
      }));
      this.publish('CONTAINER_STOPPED_EVENT', r);
    });
  }

  /** Resolves when the container is recorded as exited, or false after `ms`. */
  private async waitExited(id: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (true) {
      const r = this.store.find(id);
      if (!r || r.status.state === 'exited') return true;
      if (await this.lock.run(id, () => this.recordExit(id))) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const onExit = (): void => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => {
          this.exits.off('exited', onExit);
          resolve();
        }, Math.min(left, 100));
        this.exits.once('exited', onExit);
      });
    }
  }

  /** The container's config.json (verbose status). */
  async readSpec(r: ContainerRecord): Promise<unknown> {
    try {
      return JSON.parse(await readFile(join(r.meta.bundle, 'config.json'), 'utf8'));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  getRunning(id: string): ContainerRecord {
    const r = this.store.get(id);
    if (r.status.state !== 'running') throw new FailedPreconditionError(`container ${r.meta.id} is not running (${r.status.state})`);
    return r;
  }

  /** The pod's containers. */
  ofPod(podId: string): ContainerRecord[] {
    return this.store.list().filter((r) => r.meta.podId === podId);
  }

  get(id: string): ContainerRecord {
    const r = this.store.find(id);
    if (!r) throw new NotFoundError(`container "${id}" not found`);
    return r;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
  }
}
