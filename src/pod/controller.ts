// The pod part of the engine: pods on disk indexed in memory, rebuilt by recover() at open.
// Run/stop/remove hold the pod's cross-process lock; state changes are written before they are
// reported. Nothing here owns a process: infras run under conmon, outside our process tree.
//
// For other parts: get(id) / resolve(idOrPrefix) → PodRecord, handle(id) → { record, runtime },
// view(id) → the PodView containers use, withLock(id, fn); the container part's hooks come with
// the options.
import { readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { RunPodSandboxRequest__Output } from '../gen/runtime/v1/RunPodSandboxRequest.js';
import type { PodSandboxFilter__Output } from '../gen/runtime/v1/PodSandboxFilter.js';
import { InternalError, InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import type { PodNetwork } from '../network/pod-network.js';
import type { RuntimeSet } from '../oci/runtimes.js';
import type { Snapshotter } from '../snapshot/types.js';
import { cgroupMounts, podCgroupDir } from './cgroups.js';
import { filterPods, findByIdOrPrefix } from './filter.js';
import { infraAlive } from './infra-liveness.js';
import { FileLocks } from '../store/file-locks.js';
import { PodNames } from './names.js';
import { podNameKey } from './pod-request.js';
import { runPod } from './run-pod.js';
import type { FeatureProbe } from '../oci/handler-features.js';
import type { PauseImageSource, RunPodDeps } from './run-pod-deps.js';
import { pinnedNamespacesPresent, pinnedTargets, possiblePinnedPaths } from './pinned-namespaces.js';
import { unmountShm } from './shm.js';
import { sweepOrphanMounts } from './orphan-mounts.js';
import { filesystemTarget, namespaceTarget, unmountAll } from '../util/unmount.js';
import { PodStore } from './store.js';
import { hasAtomicTemps, removeAtomicTemps } from '../store/atomic-file.js';
import { eachLimit } from '../util/each-limit.js';
import { fileSig } from '../store/change-stamp.js';
import { ownCapabilities, ownOomScoreAdj } from '../util/process-facts.js';
import type { PodContainers, PodRecord } from './types.js';
import { podView, type PodViewShape } from './view.js';

export interface PodControllerOptions {
  config: Config;
  log: Logger;
  network: PodNetwork;
  runtimes: RuntimeSet;
  images?: PauseImageSource;
  snapshots?: Snapshotter;
  /** What a handler can do here (user namespaces: refused on a handler whose probe failed). */
  handlerFeatures?: (handler: string) => Promise<FeatureProbe>;
  /**
   * The container part's hooks, called by stop and remove (never while the controller opens: the
   * containers may be made after it).
   */
  containers?: PodContainers;
}

/** How long list() trusts that a READY pod's infra it saw alive is still alive. */
const LIVENESS_TTL_MS = 1000;

/** How often sync() looks for pods a dead process left locked (one listing of the lock dir). */
const ORPHAN_CHECK_MS = 1000;

export class PodController {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly network: PodNetwork;
  private readonly runtimes: RuntimeSet;
  private readonly snapshots: Snapshotter | undefined;
  private readonly store: PodStore;
  private readonly locks: FileLocks;
  /**
   * Per pod name and namespace, across processes: `rktlet app sandbox` checks that a name is free
   * and runs the pod under it (withNameLock). Kept here, beside the pod locks, so that recovery and
   * sync reclaim the lock of a CLI killed while it held one (nobody else would ever take that name).
   */
  private readonly nameLocks: FileLocks;
  private readonly names: PodNames;
  /** Where pods without an infra pin their IPC and UTS namespaces. */
  private readonly pinnedDir: string;
  private readonly pods = new Map<string, PodRecord>();
  /** pod.json identity as last read, per pod (sync re-reads what changed). */
  private readonly sigs = new Map<string, string>();
  /** Pods whose RunPodSandbox is in flight: not listed until ready (in memory only). */
  private readonly creating = new Set<string>();
  /** When list() last found a READY pod's infra alive (ms; by record, so a reloaded pod is checked again). */
  private readonly seenAlive = new WeakMap<PodRecord, number>();
  private readonly containers: PodContainers | undefined;
  /** What RunPodSandbox gets of the controller (run-pod-deps.ts). */
  private readonly runDeps: RunPodDeps;
  private cgroupHierarchies: Promise<{ path: string; v2: boolean }[]> | undefined;
  private lastOrphanCheck = 0;

  private constructor(o: PodControllerOptions, host: { oomFloor: number; ownCapabilities: string[] | undefined }) {
    this.config = o.config;
    this.log = o.log.child({ part: 'pods' });
    this.network = o.network;
    this.runtimes = o.runtimes;
    this.snapshots = o.snapshots;
    this.containers = o.containers;
    this.store = new PodStore(o.config.root, o.config.run_root);
    this.locks = new FileLocks(join(o.config.run_root, 'locks', 'pods'));
    this.nameLocks = new FileLocks(join(o.config.run_root, 'locks', 'pod-names'), 'pod name');
    this.pinnedDir = join(o.config.run_root, 'pinned-ns');
    this.locks.onAcquire = (id) => this.reload(id);
    // A holder exists when it is indexed, has a record, or is being run (its lock held: run-pod
    // reserves the name under the pod's lock, before the first record write).
    this.names = new PodNames(
      join(o.config.root, 'pod-names'),
      async (id) => this.pods.has(id) || this.locks.held(id) || (await this.locks.heldElsewhere(id)) || (await this.store.load(id)) !== undefined,
    );
    this.runDeps = {
      config: this.config,
      log: this.log,
      network: this.network,
      runtimes: this.runtimes,
      images: o.images,
      snapshots: this.snapshots,
      store: this.store,
      locks: this.locks,
      names: this.names,
      pinnedDir: this.pinnedDir,
      ...(o.handlerFeatures ? { handlerFeatures: o.handlerFeatures } : {}),
      oomFloor: host.oomFloor,
      ownCapabilities: host.ownCapabilities,
      index: (rec) => void this.pods.set(rec.id, rec),
      unindex: (id) => void this.pods.delete(id),
      creating: this.creating,
    };
  }

  static async open(o: PodControllerOptions): Promise<PodController> {
    const [oomFloor, caps] = await Promise.all([ownOomScoreAdj(), ownCapabilities()]);
    const pc = new PodController(o, { oomFloor, ownCapabilities: caps });
    await pc.recover();
    return pc;
  }

  /** Rebuilds the index from disk; a pod whose infra died while we were away is NOTREADY. */
  private async recover(): Promise<void> {
    this.pods.clear();
    this.sigs.clear();
    this.store.stamp.accept(await this.store.stamp.read());
    const found: PodRecord[] = [];
    for (const id of await this.store.ids()) {
      let rec: PodRecord | undefined;
      try {
        rec = this.store.loadSync(id);
      } catch (err) {
        this.log.error({ pod_sandbox_id: id, err }, 'unreadable pod record: pod skipped');
        continue;
      }
      if (!rec) {
        // A run that crashed before its first write: nothing else can have been created yet. Under
        // the pod's lock: another process (daemon or CLI) may be running it right now.
        await this.locks
          .with(id, async () => {
            if (!(await this.store.load(id))) await this.store.removeDirs(id);
          })
          .catch(() => undefined);
        continue;
      }
      this.pods.set(id, rec);
      found.push(rec);
    }
    await eachLimit(found, 8, async (rec) => {
      await this.names.ensure(podNameKey(rec.metadata), rec.id);
      await this.refresh(rec, { recovering: true });
      await this.removeCrashedWrites(rec.id);
    });
    const swept = await sweepOrphanMounts({
      pinnedDir: this.pinnedDir,
      netnsDir: this.network.netnsDir,
      podRunDir: this.store.runDir,
      hasRecord: async (id) => (await this.store.load(id).catch(() => ({}))) !== undefined,
      withLock: (id, fn) => this.locks.with(id, fn),
    }).catch((err: unknown) => {
      this.log.error({ err }, 'sweeping the mounts of removed pods failed');
      return [];
    });
    if (swept.length) this.log.warn({ pods: swept }, 'unmounted what removed pods had left (a crash during their run or removal)');
    // Locks of dead processes: what their runs left is taken over or removed, as sync does; not
    // merely the lock file dropped (a run killed after the listing above is seen only here).
    await this.adoptOrphans().catch((err: unknown) => this.log.warn({ err }, 'taking over the pods of dead processes failed'));
    await this.names.sweep().catch((err: unknown) => this.log.warn({ err }, 'sweeping the names of gone pods failed'));
    this.log.info({ pods: this.pods.size }, 'pods recovered');
  }

  /**
   * The temp files of record writes killed before their rename (pod.json, resolv.conf, hosts, the
   * infra's config.json), under the pod's lock; a pod another live process is working on is left.
   */
  private async removeCrashedWrites(id: string): Promise<void> {
    const p = this.store.paths(id);
    const dirs = [p.dir, p.infraBundle];
    if (!(await Promise.all(dirs.map(hasAtomicTemps))).some(Boolean) || (await this.locks.heldElsewhere(id))) return;
    await this.locks.with(id, async () => void (await Promise.all(dirs.map(removeAtomicTemps))));
  }

  /** Marks a READY pod whose infra is gone NOTREADY (written to disk, under the pod's lock). */
  private async refresh(rec: PodRecord, o: { recovering?: boolean } = {}): Promise<PodRecord> {
    if (rec.state !== 'SANDBOX_READY') return rec;
    if (rec.pinnedNamespaces) {
      // No infra to lose: READY until stopped. Only a reboot (or a hand) can take the pinned
      // namespaces away, so they are looked at once, when the index is rebuilt.
      if (!o.recovering || (await pinnedNamespacesPresent(rec))) return rec;
    } else if (await infraAlive(rec.infraPid, rec.infraStartTime, rec.exitDir, rec.id)) return rec;
    if (this.locks.held(rec.id)) return rec; // our own stop/remove is on it
    return this.locks.with(rec.id, async () => {
      const cur = this.pods.get(rec.id);
      if (!cur || cur.state !== 'SANDBOX_READY') return cur ?? rec;
      cur.state = 'SANDBOX_NOTREADY';
      await this.store.save(cur);
      this.log.warn({ pod_sandbox_id: rec.id }, rec.pinnedNamespaces ? 'pod namespaces are gone: pod is NOTREADY' : 'pod infra is gone: pod is NOTREADY');
      return cur;
    });
  }

  /** Brings the index up to date with what other processes (the CLI, the daemon) wrote. */
  async sync(): Promise<void> {
    await this.syncStamp();
    const now = Date.now();
    if (now - this.lastOrphanCheck < ORPHAN_CHECK_MS && now >= this.lastOrphanCheck) return;
    this.lastOrphanCheck = now;
    await this.adoptOrphans().catch((err: unknown) => this.log.warn({ err }, 'taking over the pods of dead processes failed'));
  }

  /**
   * Pods whose lock a dead process holds (a CLI verb killed half-way: its record may be gone
   * without the change stamp saying so, or a run may have died before its record): taken over,
   * which re-reads the record; a pod dir left without one is removed, as recovery does.
   */
  private async adoptOrphans(): Promise<void> {
    const orphans = await this.locks.deadHolderKeys();
    for (const id of orphans) {
      await this.locks.with(id, async () => {
        if (!(await this.store.load(id))) {
          this.pods.delete(id);
          this.sigs.delete(id);
          this.creating.delete(id);
          await this.store.removeDirs(id);
          return;
        }
        // Its run is dead: listed from now on (NOTREADY, for the kubelet to stop and remove), not
        // hidden as a run in flight that another process's lock once made it look like.
        this.creating.delete(id);
        const p = this.store.paths(id);
        await Promise.all([p.dir, p.infraBundle].map(removeAtomicTemps));
      });
    }
    if (orphans.length) await this.names.sweep();
    // The name lock of a `rktlet app sandbox` killed while it held it (its pod may be READY).
    await this.nameLocks.sweepDead();
  }

  private syncStamp(): Promise<void> {
    return this.store.stamp.sync(async () => {
      const ids = await this.store.ids();
      const onDisk = new Set(ids);
      for (const id of [...this.pods.keys()]) {
        if (!onDisk.has(id) && !this.locks.held(id)) {
          this.pods.delete(id);
          this.sigs.delete(id);
          this.creating.delete(id);
        }
      }
      await Promise.all(ids.map((id) => (this.locks.held(id) ? undefined : this.reload(id))));
    });
  }

  /** Re-reads one pod record when its file changed (or drops it when it is gone). */
  private async reload(id: string): Promise<void> {
    const sig = await fileSig(this.store.paths(id).record);
    if (sig === undefined) {
      this.pods.delete(id);
      this.sigs.delete(id);
      return;
    }
    if (this.pods.has(id) && this.sigs.get(id) === sig) return;
    const rec = await this.store.load(id).catch(() => undefined);
    if (!rec) return;
    // Another process's RunPodSandbox in flight (no infra yet, its lock held): not listed until ready.
    if (rec.state === 'SANDBOX_NOTREADY' && !rec.infraPid && (await this.locks.heldElsewhere(id))) this.creating.add(id);
    else if (!this.locks.held(id)) this.creating.delete(id);
    this.pods.set(id, rec);
    this.sigs.set(id, sig);
  }

  get(id: string): PodRecord | undefined {
    return this.pods.get(id);
  }

  /** By full id or unique prefix; NotFound otherwise. */
  resolve(idOrPrefix: string): PodRecord {
    if (!idOrPrefix) throw new InvalidArgumentError('pod_sandbox_id is required');
    const rec = findByIdOrPrefix(this.pods.values(), idOrPrefix);
    if (!rec) throw new NotFoundError(`pod sandbox "${idOrPrefix}" not found`);
    return rec;
  }

  /** What containers need to join the pod (undefined for an unknown pod). */
  view(id: string): PodViewShape | undefined {
    const rec = this.pods.get(id);
    return rec ? podView(rec) : undefined;
  }

  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.with(id, fn);
  }

  /** Runs fn holding the lock of a pod name in a namespace (across processes). */
  withNameLock<T>(namespace: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.nameLocks.with(encodeURIComponent(`${namespace}/${name}`), fn);
  }

  /**
   * The pods matching the filter, oldest first. A READY pod's infra is checked before the answer
   * only the first time this process lists it; after that, once it was seen alive over
   * LIVENESS_TTL_MS ago, the check runs in the background and a dead infra shows as NOTREADY
   * from the next list on (the kubelet lists every second; a check per pod per call was most of
   * a list's cost). PodSandboxStatus always checks before answering.
   */
  async list(filter: PodSandboxFilter__Output | null | undefined): Promise<PodRecord[]> {
    const now = Date.now();
    const unseen: PodRecord[] = [];
    for (const p of this.pods.values()) {
      // Pods without an infra have no process to lose (refresh() would return them as they are).
      if (p.state !== 'SANDBOX_READY' || p.pinnedNamespaces || this.creating.has(p.id)) continue;
      const seen = this.seenAlive.get(p);
      if (seen === undefined) unseen.push(p);
      else if (now - seen >= LIVENESS_TTL_MS || now < seen) this.recheck(p, now);
    }
    if (unseen.length) await Promise.all(unseen.map((p) => this.checkAlive(p, now)));
    const pods: PodRecord[] = [];
    for (const p of this.pods.values()) if (!this.creating.has(p.id)) pods.push(p);
    return filterPods(pods, filter);
  }

  private async checkAlive(p: PodRecord, now: number): Promise<void> {
    const r = await this.refresh(p);
    if (r.state === 'SANDBOX_READY') this.seenAlive.set(r, now);
  }

  /** A background liveness check of a listed pod (one at a time per pod). */
  private recheck(p: PodRecord, now: number): void {
    this.seenAlive.set(p, now); // not again until this one is done and the TTL passed
    void this.checkAlive(p, now).catch((err: unknown) => {
      this.seenAlive.delete(p);
      this.log.warn({ pod_sandbox_id: p.id, err }, 'pod liveness check failed');
    });
  }

  async status(idOrPrefix: string): Promise<PodRecord> {
    return this.refresh(this.resolve(idOrPrefix));
  }

  run(req: RunPodSandboxRequest__Output): Promise<string> {
    return runPod(this.runDeps, req);
  }

  /**
   * Stops the containers, tears the network down, stops the infra. Idempotent, also for a pod
   * already removed (or never made). A failing CNI DEL
   * fails the stop (the kubelet retries) unless `bestEffortNetwork` (remove: a network config or
   * plugin that is gone for good must not make the pod unremovable).
   */
  async stop(idOrPrefix: string, o: { bestEffortNetwork?: boolean } = {}): Promise<void> {
    if (!idOrPrefix) throw new InvalidArgumentError('pod_sandbox_id is required');
    // A pod already removed has nothing left to reclaim: the CRI's idempotence, on which the
    // kubelet's retries rely (containerd answers OK too).
    const found = findByIdOrPrefix(this.pods.values(), idOrPrefix);
    if (!found) return;
    const id = found.id;
    await this.locks.with(id, async () => {
      const rec = this.pods.get(id);
      if (!rec) return; // removed meanwhile
      await this.containers?.stopAll(id);
      // NOTREADY is written before anything of the pod is torn down: a crash half-way leaves a pod
      // that says so (the next stop finishes the job), never a READY one without its namespaces.
      if (rec.state !== 'SANDBOX_NOTREADY') {
        rec.state = 'SANDBOX_NOTREADY';
        await this.store.save(rec);
      }
      if (!rec.pinnedNamespaces) await this.stopInfra(rec); // as containerd: the sandbox process, then its network
      // With its containers gone, the pod's IPC/UTS namespaces and /dev/shm (containerd too
      // unmounts the shm at stop) go while the network is torn down; the netns after the DEL.
      // The pinned files are derived from the id too, whatever the record says: a crash after
      // pinning and before the READY write leaves a record that does not name them.
      const pinned = possiblePinnedPaths(this.pinnedDir, id);
      const others = unmountAll([
        ...pinnedTargets(pinned, ...(rec.pinnedNamespaces ? [rec.pinnedNamespaces] : [])),
        ...(rec.shmPath !== '/dev/shm' ? [filesystemTarget(rec.shmPath)] : []),
      ]);
      others.catch(() => undefined); // awaited below
      const who = { podId: id, namespace: rec.metadata.namespace, name: rec.metadata.name, uid: rec.metadata.uid };
      try {
        if (rec.cni) {
          await this.network.detach(who, rec.netnsPath, rec.portMappings, rec.cni);
        } else if (rec.cniPending) {
          // The daemon died during the ADD: DEL with the network as configured now.
          await this.network.detachUnrecorded(who, rec.netnsPath, rec.portMappings);
        }
      } catch (err) {
        if (!o.bestEffortNetwork) {
          // As containerd: the pod is NOTREADY (its containers and namespaces are gone); the
          // network record stays for the kubelet's retry of the stop.
          await others.catch(() => undefined);
          throw new InternalError(`tearing down the network of pod ${id} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        this.log.warn({ pod_sandbox_id: id, err: err instanceof Error ? err.message : String(err) }, 'CNI DEL failed; removing the pod anyway');
      }
      await Promise.all([others, unmountAll([namespaceTarget(rec.netnsPath)])]);
      // One write: a crash before it repeats the DEL at the next stop, which plugins take as done.
      if (rec.cni || rec.cniPending || rec.state !== 'SANDBOX_NOTREADY') {
        delete rec.cni;
        delete rec.cniPending;
        rec.state = 'SANDBOX_NOTREADY';
        await this.store.save(rec);
      }
      this.log.info({ pod_sandbox_id: id }, 'pod sandbox stopped');
    });
  }

  private async stopInfra(rec: PodRecord): Promise<void> {
    const rt = this.runtimes.get(rec.runtimeHandler);
    const st = await rt.state(rec.id);
    if (st && st.status !== 'stopped') {
      await rt.kill(rec.id, 'SIGKILL', true);
      const until = Date.now() + this.config.runtime.stop_kill_grace_seconds * 1000;
      while (Date.now() < until && (await infraAlive(rec.infraPid, rec.infraStartTime, rec.exitDir, rec.id))) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    if (st) await rt.delete(rec.id, true);
  }

  /** Removes containers, infra, mounts, netns and the pod dir. A missing pod is not an error. */
  async remove(idOrPrefix: string): Promise<void> {
    if (!idOrPrefix) throw new InvalidArgumentError('pod_sandbox_id is required');
    const rec0 = findByIdOrPrefix(this.pods.values(), idOrPrefix);
    if (!rec0) return;
    const id = rec0.id;
    await this.stop(id, { bestEffortNetwork: true });
    await this.locks.with(id, async () => {
      const rec = this.pods.get(id);
      if (!rec) return;
      await this.containers?.removeAll(id);
      if (rec.shmPath !== '/dev/shm') await unmountShm(rec.shmPath);
      if (rec.infraImage) await this.snapshots?.remove(id);
      await this.removeCgroup(rec);
      await this.store.removeDirs(id);
      this.pods.delete(id);
      await this.names.release(podNameKey(rec.metadata), id);
      this.log.info({ pod_sandbox_id: id }, 'pod sandbox removed');
    });
  }

  /** Deletes the pod cgroup rktlet made up (the kubelet's own parents are the kubelet's). */
  private async removeCgroup(rec: PodRecord): Promise<void> {
    const owned = rec.config.linux?.cgroup_parent ? false : true;
    if (!owned) return;
    let dir: string;
    try {
      dir = podCgroupDir(this.config.runtime.cgroup_driver, rec.cgroupParent);
    } catch {
      return;
    }
    // cgroup hierarchies are mounted once at boot: read them once (mountinfo grows with every pod).
    this.cgroupHierarchies ??= readFile('/proc/self/mountinfo', 'utf8').then(cgroupMounts);
    const mounts = await this.cgroupHierarchies.catch(() => []);
    await Promise.all(mounts.map((m) => rmdir(join(m.path, dir)).catch(() => undefined)));
  }

  /** Every pod (for stats and the CLI). */
  all(): PodRecord[] {
    return [...this.pods.values()];
  }
}
