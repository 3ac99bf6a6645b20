// RunPodSandbox, step by step, each step registering its undo: pod dir and record, network
// namespace, CNI ADD, resolv.conf/hosts/hostname, /dev/shm, the infra through conmon + the OCI
// runtime. Any failure rolls everything back and reports the first error (with the plugin's or
// runtime's own text).
import { randomBytes } from 'node:crypto';
import type { RunPodSandboxRequest__Output } from '../gen/runtime/v1/RunPodSandboxRequest.js';
import { FailedPreconditionError, InternalError, ResourceExhaustedError, RktletError, toRktletError } from '../errors/catalog.js';
import { CniPluginError } from '../network/cni-exec.js';
import { podIPs } from '../network/cni.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic-file.js';
import { nowNs } from '../util/time.js';
import { podCgroup } from './cgroups.js';
import { systemdBooted } from '../systemd/booted.js';
import { hasDnsConfig, hostsFile, resolvConf } from './dns.js';
import { infraSpec, INFRA_OOM_SCORE_ADJ } from './infra-spec.js';
import { clampOomScoreAdj } from '../oci/spec/resources.js';
import { processStartTime } from './infra-liveness.js';
import { loadSeccomp, podNameKey, podSettings } from './pod-request.js';
import { withUnprivilegedDefaults } from './sysctls.js';
import { Rollback } from '../util/rollback.js';
import { mountShm, unmountShm } from './shm.js';
import type { PodRecord } from './types.js';
import type { PodPaths } from './store.js';
import type { RunPodDeps } from './run-pod-deps.js';
import { applySysctls, pinNamespaces, pinnedPaths, unpinNamespaces, type PinnedNamespaces } from './pinned-namespaces.js';
import { hostHosts, hostName, hostResolvConf } from './host-facts.js';
import { checkHostPod, isHostHandler } from '../oci/host-isolation.js';
import { checkVmPod, isVmHandler } from '../oci/vm-isolation.js';

/** The configured pause image, pulled when it is not stored yet. */
async function pauseImage(deps: RunPodDeps, ref: string) {
  if (!deps.images || !deps.snapshots) throw new FailedPreconditionError(`pod.pause_image is set but no image store is available`);
  try {
    return deps.images.resolve(ref) ?? (await deps.images.pull(ref));
  } catch (err) {
    throw new FailedPreconditionError(`cannot get the pause image ${ref}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Like Promise.all, but waits for every one to settle before it throws the first failure. */
async function allDone<T extends readonly unknown[]>(ps: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const r = await Promise.allSettled(ps);
  const bad = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (bad) throw bad.reason;
  return r.map((x) => (x as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

export function newPodId(): string {
  return randomBytes(32).toString('hex');
}

export async function runPod(deps: RunPodDeps, req: RunPodSandboxRequest__Output): Promise<string> {
  const cfg = deps.config;
  const parsed = podSettings(req.config, [cfg.root, cfg.run_root]);
  const settings = { ...parsed, sysctls: withUnprivilegedDefaults(parsed.sysctls, parsed.namespaces, cfg.pod) };
  const config = req.config!;
  const meta = config.metadata!;
  // Refused here, before anything exists: a pod without an infra would otherwise only fail at its first container.
  const handlerName = deps.runtimes.get(req.runtime_handler).name;
  if (isHostHandler(cfg, handlerName)) checkHostPod(handlerName, settings);
  if (isVmHandler(cfg, handlerName)) checkVmPod(handlerName, settings);
  const seccomp = await loadSeccomp(settings.seccomp, cfg.runtime.seccomp_profile);
  if (settings.userns) await checkUsernsPossible(deps, handlerName, settings.namespaces);
  const id = newPodId();
  const cg = podCgroup(cfg.runtime.cgroup_driver, config.linux?.cgroup_parent ?? '', cfg.pod.default_cgroup_parent, id);
  if (cfg.runtime.cgroup_driver === 'systemd' && !systemdBooted()) {
    // Every monitor would start through systemd-run, and runc would ask systemd for the cgroups.
    throw new FailedPreconditionError('runtime.cgroup_driver is "systemd" but systemd is not PID 1 here (no /run/systemd/system): set it to "auto" or "cgroupfs"');
  }
  const key = podNameKey(meta);

  const rb = new Rollback();
  try {
    return await deps.locks.with(id, async () => {
      await deps.names.reserve(key, id);
      rb.add('name', () => deps.names.release(key, id));
      const paths = await deps.store.createDirs(id);
      rb.add('pod dirs', () => deps.store.removeDirs(id));
      const hostNet = settings.namespaces.network === 'NODE';
      const hostIpc = settings.namespaces.ipc === 'NODE';
      const rec: PodRecord = {
        id,
        metadata: { name: meta.name, uid: meta.uid, namespace: meta.namespace, attempt: meta.attempt },
        config,
        state: 'SANDBOX_NOTREADY', // until the infra runs; a crash in between leaves a stoppable pod
        createdAtNs: nowNs().toString(),
        runtimeHandler: handlerName,
        namespaces: settings.namespaces,
        netnsPath: '',
        infraPid: 0,
        infraStartTime: '',
        infraBundle: paths.infraBundle,
        cgroupParent: cg.parent,
        infraCgroupsPath: cg.infraCgroupsPath,
        resolvConfPath: paths.resolvConf,
        hostsPath: paths.hosts,
        hostnamePath: paths.hostname,
        shmPath: hostIpc ? '/dev/shm' : paths.shm,
        // No hostname asked for: the node's, as containerd and CRI-O (a pod's name may be longer than
        // the kernel's 64 bytes: critest's are 68).
        hostname: hostNet ? hostName() : config.hostname || hostName(),
        logDirectory: config.log_directory,
        ips: [],
        portMappings: settings.portMappings,
        exitDir: paths.exitDir,
        socketDir: paths.socketDir,
      };
      if (!hostNet) {
        // Recorded before anything exists: a crash from here on gets a DEL with the current network.
        rec.netnsPath = deps.network.netnsPath(id);
        rec.cniPending = true;
      }
      await deps.store.save(rec);
      deps.index(rec);
      deps.creating.add(id);
      rb.add('index', async () => deps.unindex(id));

      // Without an infra, the IPC/UTS namespaces are pinned while the network is set up.
      // A vm pod's infra is its VM (src/oci/vm-runtime/).
      const infra = needsInfra(cfg, settings.namespaces) || isVmHandler(cfg, handlerName);
      const want = { ipc: !hostIpc, ...(hostNet ? {} : { hostname: rec.hostname }), ...(settings.userns ? { userns: settings.userns } : {}) };
      if (settings.userns) rec.userns = settings.userns;
      let pinning: Promise<PinnedNamespaces> | undefined;
      if (!infra) {
        rb.add('pinned namespaces', () => unpinNamespaces(pinnedPaths(deps.pinnedDir, id, want)));
        pinning = pinNamespaces(deps.pinnedDir, id, want);
        pinning.catch(() => undefined); // awaited below; a network failure first must not leave it unhandled
      }

      // The pod's files and /dev/shm do not depend on the network: made while it is set up.
      const dns = config.dns_config;
      if (!hostIpc) rb.add('shm', () => unmountShm(paths.shm));
      const files = Promise.all([
        (async () => writeFileAtomic(paths.resolvConf, hasDnsConfig(dns) ? resolvConf(dns) : await hostResolvConf(), 0o644))(),
        writeFileAtomic(paths.hostname, rec.hostname + '\n', 0o644),
        hostIpc ? undefined : mountShm(paths.shm, cfg.pod.shm_size_bytes),
      ]);
      files.catch(() => undefined); // awaited below

      if (!hostNet) {
        rb.add('netns', () => deps.network.removeNetns(rec.netnsPath));
        const who = { podId: id, namespace: meta.namespace, name: meta.name, uid: meta.uid };
        try {
          await deps.network.createNetns(id);
          rec.cni = await deps.network.attach(who, rec.netnsPath, settings.portMappings);
        } catch (err) {
          await Promise.allSettled([files, pinning]); // nothing still running when the rollback starts
          if (err instanceof CniPluginError) throw new FailedPreconditionError(`setting up the pod network failed: ${err.message}`, { cause: err });
          throw err;
        }
        const cniRec = rec.cni;
        rb.add('cni', () => deps.network.detach(who, rec.netnsPath, settings.portMappings, cniRec));
        rec.ips = podIPs(cniRec.result);
        // Written with READY below; until then the record's cniPending gets a crash its DEL.
        delete rec.cniPending;
      }

      const hosts = (async () => writeFileAtomic(paths.hosts, hostNet ? await hostHosts() : hostsFile(rec.hostname, rec.ips), 0o644))();
      const [pinned] = await allDone([pinning, files, hosts]);

      if (infra) await startInfra(deps, rec, { settings, seccomp, paths, rb });
      else {
        rec.pinnedNamespaces = pinned!;
        await applySysctls(rec.netnsPath, rec.pinnedNamespaces.ipc, settings.sysctls);
      }
      rec.state = 'SANDBOX_READY';
      await deps.store.save(rec);
      rb.commit();
      deps.creating.delete(id);
      deps.log.info({ pod_sandbox_id: id, pod: `${meta.namespace}/${meta.name}`, ips: rec.ips, handler: handlerName }, 'pod sandbox ready');
      return id;
    });
  } catch (err) {
    deps.creating.delete(id);
    await rb.run();
    if (rb.failures.length) deps.log.warn({ pod_sandbox_id: id, undo_failures: rb.failures.map((f) => `${f.what}: ${String(f.err)}`) }, 'pod rollback incomplete');
    if (err instanceof RktletError) throw err;
    const e = toRktletError(err); // ENOSPC and kin stay RESOURCE_EXHAUSTED
    throw new (e instanceof InternalError ? InternalError : ResourceExhaustedError)(`RunPodSandbox failed: ${e.message}`, { cause: err });
  }
}

/**
 * A user-namespaced pod (userns_options POD) runs without an infra: its user namespace is pinned
 * as a file with its IPC and UTS namespaces (./userns.ts). Refused, before anything exists, when
 * the pod needs an infra or its handler's probe did not prove it can join a user namespace.
 */
async function checkUsernsPossible(deps: RunPodDeps, handler: string, ns: { pid: string; ipc: string }): Promise<void> {
  if (needsInfra(deps.config, ns)) {
    throw new FailedPreconditionError('user namespaces (userns_options mode POD) are supported for pods without an infra process only: not with namespace_options.pid POD, pod.drop_infra false or pod.pause_image');
  }
  if (ns.ipc === 'NODE') throw new FailedPreconditionError('user namespaces (userns_options mode POD) with the host IPC namespace are not supported');
  const probe = await deps.handlerFeatures?.(handler);
  if (!probe?.features.user_namespaces) {
    throw new FailedPreconditionError(`user namespaces (userns_options mode POD) do not work with runtime handler ${handler} on this host: ${probe?.why || 'no feature probe'}`);
  }
}

/** Whether the pod gets an infra process: asked for (drop_infra off, a pause image) or needed (one PID namespace). */
export function needsInfra(cfg: { pod: { drop_infra: boolean; pause_image: string } }, ns: { pid: string }): boolean {
  return !cfg.pod.drop_infra || !!cfg.pod.pause_image || ns.pid === 'POD';
}

interface InfraInput {
  settings: ReturnType<typeof podSettings>;
  seccomp: Awaited<ReturnType<typeof loadSeccomp>>;
  paths: PodPaths;
  rb: Rollback;
}

/** The infra container: catatonit (or a pause image) under conmon and the OCI runtime. */
async function startInfra(deps: RunPodDeps, rec: PodRecord, { settings, seccomp, paths, rb }: InfraInput): Promise<void> {
  const cfg = deps.config;
  const id = rec.id;
  const config = rec.config;
  const runtime = deps.runtimes.get(rec.runtimeHandler);
  const hostIpc = settings.namespaces.ipc === 'NODE';
  let rootfs = paths.infraRootfs;
  let image: { args: string[]; env: string[]; cwd: string } | undefined;
  if (cfg.pod.pause_image) {
    const img = await pauseImage(deps, cfg.pod.pause_image);
    const args = [...(img.config.Entrypoint ?? []), ...(img.config.Cmd ?? [])];
    if (!args.length) throw new FailedPreconditionError(`pause image ${cfg.pod.pause_image} has neither Entrypoint nor Cmd`);
    image = { args, env: img.config.Env ?? [], cwd: img.config.WorkingDir ?? '/' };
    rec.infraImage = img.id;
    rb.add('pause rootfs', () => deps.snapshots!.remove(id));
    await deps.snapshots!.prepare(id, img.chainIds, img.id);
    rootfs = (await deps.snapshots!.mount(id)).target;
    await deps.store.save(rec);
  }

  const spec = infraSpec({
    podId: id,
    rootfs,
    ...(image ? { image } : {}),
    infraInit: cfg.pod.infra_init,
    hostname: rec.hostname,
    namespaces: settings.namespaces,
    netnsPath: rec.netnsPath,
    sysctls: settings.sysctls,
    cgroupsPath: rec.infraCgroupsPath,
    privileged: settings.privileged,
    ...(deps.ownCapabilities ? { privilegedCapabilities: deps.ownCapabilities } : {}),
    uid: settings.uid,
    gid: settings.gid,
    additionalGids: settings.additionalGids,
    seccomp,
    oomScoreAdj: clampOomScoreAdj(INFRA_OOM_SCORE_ADJ, deps.oomFloor, cfg.runtime.restrict_oom_score_adj),
    shmPath: hostIpc ? '' : paths.shm,
    annotations: config.annotations,
  });
  await writeJsonAtomic(`${paths.infraBundle}/config.json`, spec);

  rb.add('infra', () => runtime.delete(id, true));
  const created = await runtime.create({
    id,
    bundle: paths.infraBundle,
    logPath: '',
    exitDir: paths.exitDir,
    socketDir: paths.socketDir,
    terminal: false,
    stdin: false,
    stdinOnce: false,
    podId: id,
  });
  await runtime.start(id);
  rec.infraPid = created.pid;
  rec.infraStartTime = (await processStartTime(created.pid)) ?? '';
}
