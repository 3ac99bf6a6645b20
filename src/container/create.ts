// CreateContainer: the request checked (create-request.ts, pure), then the steps: the root
// filesystem, the host's facts (create-host.ts), config.json and the record (create-spec.ts), and
// the OCI runtime's create under conmon. Every step registers its undo (util/rollback.ts).
import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAsideFile } from '../store/atomic-file.js';
import type { CreateContainerRequest__Output } from '../gen/runtime/v1/CreateContainerRequest.js';
import { InvalidArgumentError, NotFoundError, OciRuntimeError } from '../errors/catalog.js';
import { commandNotStarted } from '../oci/exec-failure.js';
import { generateContainerSpec } from '../oci/spec/container-spec.js';
import { checkHostContainer, isHostHandler, onlyMountNamespace } from '../oci/host-isolation.js';
import { envFromCri, type EnvVar } from '../oci/spec/env-values.js';
import type { ResolvedUser } from '../oci/spec/user.js';
import type { RootfsMount } from '../snapshot/types.js';
import { Rollback } from '../util/rollback.js';
import { readUserFiles } from './host-facts.js';
import { bundleDir, containerCgroupsPath, exitDir, socketDir } from './paths.js';
import { resolveUser } from './user-resolve.js';
import { userFilesFromLayers } from './layer-user-files.js';
import { checkContainerConfig } from './request-checks.js';
import { checkPodUserns, featureHostFacts, featureRequest, selinuxEnabled, snapshotIdmap, volumeLayers, volumeMounts, withCdiGroups } from './create-features.js';
import { admitToPod, checkCreateRequest, containerSettings, requireImage, targetPid, type NamedContainerConfig } from './create-request.js';
import { hostStep } from './create-host.js';
import { newRecord, specInput, type CreateInput } from './create-spec.js';
import type { CreateDeps } from './step-deps.js';

export async function createContainer(svc: CreateDeps, req: CreateContainerRequest__Output): Promise<string> {
  // What the request alone can tell is refused first, whatever pod it names.
  const { podId, cfg } = checkCreateRequest(req);
  checkContainerConfig(cfg, [svc.deps.config.root, svc.deps.config.run_root]);
  const envs = envFromCri(cfg.envs);
  const pods = svc.deps.pods;
  // The pod is looked up first, and its lock taken by its own id: the request's id is no file name.
  const pod = pods.get(podId);
  if (!pod) throw new NotFoundError(`pod sandbox "${podId}" not found`);
  // Under the pod's lock: a pod being stopped or removed gets no new containers behind its back.
  return pods.withLock ? pods.withLock(pod.id, () => createInPod(svc, podId, cfg, envs)) : createInPod(svc, podId, cfg, envs);
}

/** The checks that need the pod (read again under its lock), the image and a PID target. */
function checkInPod(svc: CreateDeps, podId: string, cfg: NamedContainerConfig, envs: EnvVar[]): Omit<CreateInput, 'id'> {
  const pod = svc.deps.pods.get(podId);
  if (!pod) throw new NotFoundError(`pod sandbox "${podId}" not found`);
  admitToPod(cfg, pod);
  if (isHostHandler(svc.deps.config, pod.runtimeHandler)) checkHostContainer(pod.runtimeHandler, !!cfg.linux?.security_context?.privileged);
  const image = requireImage(cfg.image.image, svc.deps.images.resolve(cfg.image.image));
  // Everything that can reject the request is checked before any work starts.
  const settings = containerSettings(cfg, pod, { seccompUseDefaultWhenEmpty: svc.deps.config.runtime.seccomp_use_default_when_empty, selinuxEnabled: selinuxEnabled() });
  const targetId = settings.targetId;
  const target = targetId !== undefined ? targetPid(targetId, svc.store.find(targetId), pod.id) : undefined;
  return { cfg, envs, settings, pod, image, targetPid: target };
}

async function createInPod(svc: CreateDeps, podId: string, cfg: NamedContainerConfig, envs: EnvVar[]): Promise<string> {
  const checked = checkInPod(svc, podId, cfg, envs);
  const features = featureRequest(svc.deps, cfg); // image volumes, groups policy, CDI, rro
  const { pod, image, settings } = checked;
  checkPodUserns(features, pod);
  const id = randomBytes(32).toString('hex');
  const input: CreateInput = { id, ...checked };
  const metaKey = { podId: pod.id, name: cfg.metadata.name, attempt: cfg.metadata.attempt };
  await svc.store.sync(); // a container of this name another process (the CLI) created
  svc.store.reserveName(metaKey, id);
  // Everything from here runs under the container's lock (it holds across processes): another
  // process's recovery sweeps a snapshot or record without a complete container only when nobody
  // holds its lock, so it never takes this create's half-made parts for a crashed one's.
  return svc.lock.run(id, async () => {
    const rb = new Rollback();
    rb.add('name', async () => svc.store.releaseName(metaKey, id));
    const config = svc.deps.config;
    const bundle = bundleDir(config, id);
    const logPath = pod.logDirectory && cfg.log_path ? join(pod.logDirectory, cfg.log_path) : '';
    rb.add('record', () => svc.store.delete(id));
    rb.add('root filesystem', () => svc.deps.snapshots.remove(id));

    // The steps that do not depend on each other run at once: the root filesystem (prepare, then the
    // mount and the image's user files), the host's facts and the directories. All of them settle
    // before a rollback starts, so it never races a step still running.
    const prepareStep = svc.deps.snapshots.prepare(id, image.chainIds, image.id, volumeLayers(features), snapshotIdmap(pod));
    const mountStep = prepareStep.then(() => svc.deps.snapshots.mount(id));
    const userStep = resolveUserStep(input, prepareStep, mountStep, features.strictGroups);
    const hostStepDone = hostStep({
      cfg,
      mounts: settings.mounts,
      seccomp: settings.seccomp,
      privileged: settings.sc?.privileged ?? false,
      defaultSeccompProfile: config.runtime.seccomp_profile,
      bundle,
      logPath,
    });
    const featureStep = featureHostFacts(svc.deps, pod.runtimeHandler, features);
    const volumeStep = volumeMounts(features, mountStep); // image volumes: once mounted
    const prepared = Promise.allSettled([prepareStep, mountStep, userStep, hostStepDone, featureStep, volumeStep]);
    try {
      const rt = svc.deps.runtime(pod.runtimeHandler);
      const [{ target: rootfs }, resolvedUser, host, { cdi }, volumes] = await allOrFirstError(Promise.allSettled([prepareStep, userStep, hostStepDone, featureStep, volumeStep]));
      const user = withCdiGroups(resolvedUser, cdi);
      const mounts = [...features.binds, ...volumes];
      const cgroupsPath = containerCgroupsPath(config.runtime.cgroup_driver, pod.cgroupParent, id);
      const spec = generateContainerSpec({ ...specInput(input, { rootfs, user, host, cgroupsPath }, config.runtime), mounts, ...(cdi ? { cdi } : {}) });
      if (isHostHandler(config, pod.runtimeHandler)) onlyMountNamespace(spec);
      const record = newRecord(input, { rootfs, user, cgroupsPath, bundle, logPath });
      record.meta.mounts = mounts;
      // The record exists before the runtime's container, so a crash in between leaves something
      // recover() can see (and RemoveContainer can clean up). config.json is written beside it, and
      // the overlay mount finishes meanwhile: the runtime needs all three.
      await allOrFirstError(Promise.allSettled([svc.store.add(record), writeBundleFile(join(bundle, 'config.json'), JSON.stringify(spec)), mountStep]));
      rb.add('runtime container', () => rt.delete(id, true));
      const st = await createOrExplain(() => rt.create({
        id,
        bundle,
        logPath,
        exitDir: exitDir(config),
        socketDir: socketDir(config),
        terminal: cfg.tty,
        stdin: cfg.stdin,
        stdinOnce: cfg.stdin_once,
        podId: pod.id,
      }));
      await svc.store.updateStatus(id, (s) => ({ ...s, pid: st.pid }));
      rb.commit();
      return id;
    } catch (err) {
      await prepared; // nothing still running when the undo steps start
      await rb.run();
      for (const f of rb.failures) svc.deps.log.warn({ err: f.err, id, step: f.what }, 'create rollback step failed');
      throw err;
    }
  });
}

/**
 * The user comes from the layers when they tell plainly, so config.json and the record need not
 * wait for the mount; otherwise from the mounted root filesystem.
 */
async function resolveUserStep({ settings, image }: CreateInput, prepareStep: Promise<RootfsMount>, mountStep: Promise<RootfsMount>, strictGroups: boolean): Promise<ResolvedUser> {
  const { sc, runAsUser, runAsGroup } = settings;
  const files = (await userFilesFromLayers(await prepareStep)) ?? (await readUserFiles((await mountStep).target));
  return resolveUser(
    {
      ...(runAsUser !== undefined ? { runAsUser } : {}),
      ...(sc?.run_as_username ? { runAsUsername: sc.run_as_username } : {}),
      ...(runAsGroup !== undefined ? { runAsGroup } : {}),
      supplementalGroups: (sc?.supplemental_groups ?? []).map((g) => Number(g)),
      strictGroups,
      imageUser: image.config.User ?? '',
    },
    files.passwd,
    files.group,
  );
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
