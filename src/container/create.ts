// CreateContainer: resolve the image and the pod, prepare the root filesystem, generate config.json,
// and have the OCI runtime create the container under conmon. Every step registers its undo.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { writeAsideFile } from '../store/atomic-file.js';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, OciRuntimeError, isErrno } from '../errors/catalog.js';
import { commandNotStarted } from '../oci/exec-failure.js';
import { kernelX32Abi } from '../oci/kernel-config.js';
import { generateContainerSpec } from '../oci/spec/container-spec.js';
import { envFromCri } from '../oci/spec/env-values.js';
import { propagationRequirements } from '../oci/spec/mounts.js';
import { namespaceModeFromCri } from '../oci/spec/namespaces.js';
import { resourcesFromCri } from '../oci/spec/resources.js';
import { parseSeccompProfile, seccompFromCri } from '../oci/spec/seccomp.js';
import { apparmorFromCri } from '../oci/spec/security.js';
import { nowNs } from '../util/time.js';
import { ownCapabilities, ownOomScoreAdj } from '../util/process-facts.js';
import { apparmorEnabled, ensurePropagation, hostDevices, isCgroupV2, readUserFiles, resolveDevice, swapAccounting } from './host-facts.js';
import { bundleDir, containerCgroupsPath, exitDir, socketDir } from './paths.js';
import { resolveUser } from './user-resolve.js';
import { userFilesFromLayers } from './layer-user-files.js';
import type { ContainerService } from './service.js';
import type { ContainerRecord } from './types.js';
import type { OciSeccomp } from '../oci/spec/types.js';
import { checkContainerConfig } from './request-checks.js';
import { featureHostFacts, featureRequest, volumeLayers, volumeMounts, withCdiGroups } from './create-features.js';

type Undo = () => Promise<unknown>;

function int64(name: string, v: { value: string } | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v.value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} "${v.value}" is not a valid id`);
  return n;
}

export async function createContainer(svc: ContainerService, req: CreateContainerRequest__Output): Promise<string> {
  if (!req.pod_sandbox_id) throw new InvalidArgumentError('pod_sandbox_id is required');
  // What the request alone can tell is refused first, whatever pod it names.
  const cfg = req.config;
  if (!cfg?.metadata?.name) throw new InvalidArgumentError('config.metadata.name is required');
  if (!cfg.image?.image) throw new InvalidArgumentError('config.image.image is required');
  checkContainerConfig(cfg, [svc.deps.config.root, svc.deps.config.run_root]);
  const envs = envFromCri(cfg.envs);
  const pods = svc.deps.pods;
  // The pod is looked up first, and its lock taken by its own id: the request's id is no file name.
  const pod = pods.get(req.pod_sandbox_id);
  if (!pod) throw new NotFoundError(`pod sandbox "${req.pod_sandbox_id}" not found`);
  // Under the pod's lock: a pod being stopped or removed gets no new containers behind its back.
  return pods.withLock ? pods.withLock(pod.id, () => createInPod(svc, req, envs)) : createInPod(svc, req, envs);
}

async function createInPod(svc: ContainerService, req: CreateContainerRequest__Output, envs: ReturnType<typeof envFromCri>): Promise<string> {
  const cfg = req.config;
  if (!cfg?.metadata?.name || !cfg.image?.image) throw new InvalidArgumentError('config.metadata.name and config.image.image are required'); // checked by the caller: narrows the types
  const metadata = cfg.metadata;
  const imageSpec = cfg.image;
  const pod = svc.deps.pods.get(req.pod_sandbox_id);
  if (!pod) throw new NotFoundError(`pod sandbox "${req.pod_sandbox_id}" not found`);
  if (!pod.ready) throw new FailedPreconditionError(`pod sandbox ${pod.id} is not ready`);
  // As containerd: the sandbox was set up for unprivileged containers (read-only sysfs in its netns, …).
  if (cfg.linux?.security_context?.privileged && !pod.privileged) {
    throw new InvalidArgumentError(`no privileged container allowed in sandbox ${pod.id}: the pod sandbox is not privileged`);
  }
  const image = svc.deps.images.resolve(cfg.image.image);
  if (!image) throw new NotFoundError(`image "${cfg.image.image}" not found: pull it first`);
  // The log file stays inside the pod's log directory.
  if (cfg.log_path && (isAbsolute(cfg.log_path) || normalize(cfg.log_path).split('/').includes('..'))) {
    throw new InvalidArgumentError(`log_path "${cfg.log_path}" must be relative to the pod's log directory`);
  }
  for (const d of cfg.devices) {
    if (!isAbsolute(d.host_path) || (d.container_path && !isAbsolute(d.container_path))) {
      throw new InvalidArgumentError(`device paths must be absolute (${d.host_path} → ${d.container_path})`);
    }
  }
  const sc = cfg.linux?.security_context ?? null;
  const resources = resourcesFromCri(cfg.linux?.resources ?? null);
  const features = featureRequest(svc.deps, cfg); // mounts, image volumes, groups policy, CDI
  const mounts = features.binds;
  const seccomp = sc?.privileged ? ({ type: 'Unconfined' } as const) : seccompFromCri(sc?.seccomp ?? null, sc?.seccomp_profile_path ?? '', svc.deps.config.runtime.seccomp_use_default_when_empty);
  const nsOpts = sc?.namespace_options ?? null;
  const pidMode = pod.hostPid ? 'NODE' : namespaceModeFromCri(nsOpts?.pid ?? 'CONTAINER');
  if (pidMode === 'TARGET' && !nsOpts?.target_id) throw new InvalidArgumentError('PID mode TARGET needs target_id');

  // Everything that can reject the request is checked before any work starts.
  const runAsUser = int64('run_as_user', sc?.run_as_user ?? null);
  const runAsGroup = int64('run_as_group', sc?.run_as_group ?? null);
  // A group alone names no user to run as (containerd: "user group is specified without user").
  if (runAsGroup !== undefined && runAsUser === undefined && !sc?.run_as_username) {
    throw new InvalidArgumentError(`run_as_group ${runAsGroup} is set without run_as_user or run_as_username`);
  }
  let targetPid: number | undefined;
  if (pidMode === 'TARGET') {
    const t = svc.store.find(nsOpts!.target_id);
    if (!t || t.status.state !== 'running' || t.meta.podId !== pod.id) throw new NotFoundError(`target container "${nsOpts!.target_id}" is not running in this pod`);
    targetPid = t.status.pid;
  }

  const id = randomBytes(32).toString('hex');
  const metaKey = { podId: pod.id, name: cfg.metadata.name, attempt: cfg.metadata.attempt };
  await svc.store.sync(); // a container of this name another process (the CLI) created
  svc.store.reserveName(metaKey, id);
  // Everything from here runs under the container's lock (it holds across processes): another
  // process's recovery sweeps a snapshot or record without a complete container only when nobody
  // holds its lock, so it never takes this create's half-made parts for a crashed one's.
  return svc.lock.run(id, async () => {
    const undo: Undo[] = [async () => svc.store.releaseName(metaKey, id)];
    const config = svc.deps.config;
    const bundle = bundleDir(config, id);
    const logPath = pod.logDirectory && cfg.log_path ? join(pod.logDirectory, cfg.log_path) : '';
    undo.push(() => svc.store.delete(id));
    undo.push(() => svc.deps.snapshots.remove(id));

    // The steps that do not depend on each other run at once: the root filesystem (prepare, then the
    // mount and the image's user files), the host's facts and the directories. All of them settle
    // before a rollback starts, so it never races a step still running.
    const prepareStep = svc.deps.snapshots.prepare(id, image.chainIds, image.id, volumeLayers(features));
    const mountStep = prepareStep.then(() => svc.deps.snapshots.mount(id));
    // The user comes from the layers when they tell plainly, so config.json and the record need not
    // wait for the mount; otherwise from the mounted root filesystem.
    const userStep = (async () => {
      const files = (await userFilesFromLayers(await prepareStep)) ?? (await readUserFiles((await mountStep).target));
      return resolveUser(
        {
          ...(runAsUser !== undefined ? { runAsUser } : {}),
          ...(sc?.run_as_username ? { runAsUsername: sc.run_as_username } : {}),
          ...(runAsGroup !== undefined ? { runAsGroup } : {}),
          supplementalGroups: (sc?.supplemental_groups ?? []).map((g) => Number(g)),
          strictGroups: features.strictGroups,
          imageUser: image.config.User ?? '',
        },
        files.passwd,
        files.group,
      );
    })();
    const hostStep = (async () => {
      for (const m of mounts) await ensureHostPath(m.hostPath);
      for (const r of propagationRequirements(mounts)) await ensurePropagation(r.hostPath, r.need);
      const seccompFile = seccomp.type === 'Localhost' ? seccomp.path : seccomp.type === 'RuntimeDefault' ? config.runtime.seccomp_profile : '';
      const v2 = await isCgroupV2();
      const [devices, seccompProfile, available, daemonOomScoreAdj, swap, apparmor, privilegedDevices, x32Abi, featureFacts] = await Promise.all([
        Promise.all(cfg.devices.map((d) => resolveDevice(d.host_path, d.container_path, d.permissions))),
        seccompFile ? loadProfile(seccompFile) : undefined,
        ownCapabilities(),
        ownOomScoreAdj(),
        swapAccounting(v2),
        apparmorEnabled(),
        sc?.privileged ? hostDevices() : [],
        kernelX32Abi(),
        featureHostFacts(svc.deps, pod.runtimeHandler, features),
        mkdir(bundle, { recursive: true, mode: 0o700 }),
        logPath ? mkdir(dirname(logPath), { recursive: true, mode: 0o755 }) : undefined,
      ]);
      return { v2, devices, seccompProfile, available, daemonOomScoreAdj, swap, apparmor, privilegedDevices, x32Abi, ...featureFacts };
    })();
    const volumeStep = volumeMounts(features, mountStep); // image volumes: once mounted
    const prepared = Promise.allSettled([prepareStep, mountStep, userStep, hostStep, volumeStep]);
    try {
      const rt = svc.deps.runtime(pod.runtimeHandler);
      const [{ target: rootfs }, resolvedUser, host, volumes] = await allOrFirstError(Promise.allSettled([prepareStep, userStep, hostStep, volumeStep]));
      const user = withCdiGroups(resolvedUser, host.cdi);
      const allMounts = [...mounts, ...volumes];
      const cgroupsPath = containerCgroupsPath(config.runtime.cgroup_driver, pod.cgroupParent, id);
      const spec = generateContainerSpec({
        rootfs,
        image: image.config,
        command: cfg.command,
        args: cfg.args,
        workingDir: cfg.working_dir,
        envs,
        tty: cfg.tty,
        hostname: pod.hostname,
        user,
        podFiles: { hostsPath: pod.hostsPath, resolvConfPath: pod.resolvConfPath, hostnamePath: pod.hostnamePath, shmPath: pod.shmPath },
        mounts: allMounts,
        devices: host.devices,
        resources,
        cgroupsPath,
        namespaces: {
          netnsPath: pod.netnsPath,
          networkMode: pod.hostNetwork ? 'NODE' : 'POD',
          ipcMode: pod.hostIpc ? 'NODE' : 'POD',
          pidMode,
          infraPid: pod.infraPid,
          ...(pod.ipcNsPath !== undefined ? { ipcNsPath: pod.ipcNsPath } : {}),
          ...(pod.utsNsPath !== undefined ? { utsNsPath: pod.utsNsPath } : {}),
          ...(targetPid !== undefined ? { targetPid } : {}),
        },
        sysctls: pod.sysctls,
        security: {
          privileged: sc?.privileged ?? false,
          capAdd: sc?.capabilities?.add_capabilities ?? [],
          capDrop: sc?.capabilities?.drop_capabilities ?? [],
          noNewPrivs: sc?.no_new_privs ?? false,
          readonlyRootfs: sc?.readonly_rootfs ?? false,
          maskedPaths: sc?.masked_paths ?? [],
          readonlyPaths: sc?.readonly_paths ?? [],
          seccomp,
          ...(host.seccompProfile ? { seccompProfile: host.seccompProfile } : {}),
          apparmor: apparmorFromCri(sc?.apparmor ?? null, sc?.apparmor_profile ?? ''),
        },
        hostDevices: host.privilegedDevices,
        host: {
          defaultCapabilities: config.runtime.default_capabilities,
          daemonOomScoreAdj: host.daemonOomScoreAdj,
          restrictOomScoreAdj: config.runtime.restrict_oom_score_adj,
          swapAccounting: host.swap,
          cgroupV2: host.v2,
          apparmorEnabled: host.apparmor,
          ...(host.x32Abi !== undefined ? { x32Abi: host.x32Abi } : {}),
          ...(host.available ? { availableCapabilities: host.available } : {}),
        },
        annotations: cfg.annotations,
        metadata: {
          containerType: 'container',
          sandboxId: pod.id,
          sandboxName: pod.name,
          sandboxNamespace: pod.namespace,
          sandboxUid: pod.uid,
          containerName: metadata.name,
          imageName: imageSpec.image,
        },
        ...(host.cdi ? { cdi: host.cdi } : {}),
      });
      const record: ContainerRecord = {
        meta: {
          id,
          podId: pod.id,
          name: metadata.name,
          attempt: metadata.attempt,
          image: imageSpec.image,
          imageAnnotations: { ...imageSpec.annotations },
          imageId: image.id,
          imageRef: image.repoDigests[0] ?? image.id,
          labels: { ...cfg.labels },
          annotations: { ...cfg.annotations },
          logPath,
          tty: cfg.tty,
          stdin: cfg.stdin,
          stdinOnce: cfg.stdin_once,
          mounts: allMounts,
          user,
          stopSignal: stopSignal(cfg.stop_signal, image.config.StopSignal),
          runtimeHandler: pod.runtimeHandler,
          bundle,
          rootfs,
          cgroupsPath,
          createdAtNs: nowNs().toString(),
        },
        status: { state: 'created', pid: 0, startedAtNs: '0', finishedAtNs: '0', exitCode: 0, reason: '', message: '', resources },
      };
      // The record exists before the runtime's container, so a crash in between leaves something
      // recover() can see (and RemoveContainer can clean up). config.json is written beside it, and
      // the overlay mount finishes meanwhile: the runtime needs all three.
      await allOrFirstError(Promise.allSettled([svc.store.add(record), writeBundleFile(join(bundle, 'config.json'), JSON.stringify(spec)), mountStep]));
      undo.push(() => rt.delete(id, true));
      const st = await createOrExplain(() => rt.create({
        id,
        bundle,
        logPath,
        exitDir: exitDir(config),
        socketDir: socketDir(config),
        terminal: cfg.tty,
        stdin: cfg.stdin,
        stdinOnce: cfg.stdin_once,
      }));
      await svc.store.updateStatus(id, (s) => ({ ...s, pid: st.pid }));
      return id;
    } catch (err) {
      await prepared; // nothing still running when the undo steps start
      for (const u of undo.reverse()) await u().catch((e: unknown) => svc.deps.log.warn({ err: e, id }, 'create rollback step failed'));
      throw err;
    }
  });
}

/** The runtime's create; a command it cannot start (not in the image) is the request's fault. */
async function createOrExplain<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    const why = err instanceof OciRuntimeError ? commandNotStarted(err.stderr || err.message) : undefined;
    if (why) throw new InvalidArgumentError(`the container's command cannot be run in its image: ${why.message}`, { cause: err });
    throw err;
  }
}

/** The values of settled steps, or the first failure (after all of them settled). */
async function allOrFirstError<T extends readonly unknown[]>(settled: Promise<{ -readonly [K in keyof T]: PromiseSettledResult<T[K]> }>): Promise<T> {
  const results = await settled;
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * config.json: read by the runtime's `create` moments later and by verbose status. Written aside
 * and renamed (never seen torn) but not fsynced: after a power loss the container is gone anyway
 * and recover() records it as exited; the daemon dying does not lose the page cache.
 */
async function writeBundleFile(file: string, data: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeAsideFile(tmp, data, 0o600, file);
  await rename(tmp, file);
}

/** The request's signal, else the image's StopSignal ("SIGQUIT", "QUIT", "3"), else SIGTERM. */
export function stopSignal(requested: string, imageSignal: string | undefined): string {
  if (requested && requested !== 'RUNTIME_DEFAULT') return requested;
  const s = (imageSignal ?? '').trim().toUpperCase();
  if (!s) return 'SIGTERM';
  if (/^\d+$/.test(s)) return s;
  return s.startsWith('SIG') ? s : `SIG${s}`;
}

/** A missing bind-mount source is created as a directory (as containerd does for the kubelet). */
async function ensureHostPath(p: string): Promise<void> {
  try {
    await stat(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    await mkdir(p, { recursive: true, mode: 0o755 });
  }
}

async function loadProfile(path: string): Promise<OciSeccomp> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read seccomp profile ${path}`, { cause: err });
  }
  return parseSeccompProfile(text, path);
}

