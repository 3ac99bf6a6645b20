// What each runtime handler can do on this host, for Status and for CreateContainer's checks.
//
// Recursive read-only mounts (`rro`, the kernel's mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY),
// Linux >= 5.12): containerd reports them when `<runtime> features` lists "rro" and the kernel is new
// enough (internal/cri/server/service.go, introspectRuntimeHandler). Both runc and crun ignore
// mount options they do not know (an old runtime would mount the volume writable below its top),
// and crun 1.8 has no `features` command at all, so rktlet asks the handler itself: it creates a
// throwaway container whose bind mount `rro` has a submount, and reads the container's mountinfo
// while its init waits for start. Only when both the mount and its submount are read-only is the
// feature true. The probe runs in a mount namespace of its own (`unshare --mount`), so the submount
// ends with it; the container is deleted and its directory removed whatever happens.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pidAlive } from '../util/pid-alive.js';
import { complaintOf, runCommand } from '../util/command.js';
import { runtimeArgv, type RuntimeCommandLine } from './conmon-runtime/command-line.js';
import { pinUserNamespace } from '../pod/userns.js';
import { namespaceTarget, unmountAll } from '../util/unmount.js';
import { grantTraverse } from '../snapshot/idmapped-overlay.js';

export interface HandlerFeatures {
  recursive_read_only_mounts: boolean;
  /**
   * The handler runs a container in a pinned user namespace with the pod's mappings (probed:
   * probeUserns below); rktlet idmaps the layers itself (src/snapshot/idmapped-overlay.ts).
   */
  user_namespaces: boolean;
}

export interface FeatureProbe {
  features: HandlerFeatures;
  /** Why a feature is off ('' when all that rktlet implements are on). */
  why: string;
}

/** A failed probe is tried again after this long (a busy host, a runtime being replaced). */
const RETRY_FAILED_MS = 60_000;
const PROBE_TIMEOUT_MS = 30_000;

interface Cached {
  key: string;
  at: number;
  result: Promise<FeatureProbe>;
}
const cache = new Map<string, Cached>();

/** The mount options of `point` in a mountinfo text (undefined: not a mount point there). */
export function mountOptionsAt(mountinfo: string, point: string): string[] | undefined {
  let found: string[] | undefined;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const mp = (f[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === point) found = (f[5] ?? '').split(','); // the last one listed is the one on top
  }
  return found;
}

/** What both probe bundles share: an empty executable to "run" (never started), a read-only root. */
const PROBE_BASE = {
  ociVersion: '1.0.2',
  process: { args: ['/probe'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/'], noNewPrivileges: true },
  root: { path: 'rootfs', readonly: true },
};
const PROBE_PROC = { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] };

/** The probe's bundle: an empty executable to "run" (never started), a read-only root, one rro bind. */
export function probeSpec(source: string): Record<string, unknown> {
  return {
    ...PROBE_BASE,
    mounts: [
      PROBE_PROC,
      { destination: '/vol', type: 'bind', source, options: ['rbind', 'rprivate', 'rro'] },
    ],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }], maskedPaths: [], readonlyPaths: [] },
  };
}

/** The probe container's id, from its directory's name (`<handler>-<pid>-<hex>`). */
function probeId(dirName: string): string {
  return `rktlet-probe-${dirName.slice(dirName.lastIndexOf('-') + 1)}`;
}

/**
 * What the probes of a process killed mid-way left (a created container, its directory): removed
 * when that process is gone. A live process's probe (the daemon's, or a CLI verb's) is left alone.
 */
async function sweepStaleProbes(name: string, c: RuntimeCommandLine, probeRoot: string): Promise<void> {
  const stale = new RegExp(`^${name.replace(/[^A-Za-z0-9]/g, '\\$&')}-(\\d+)-[0-9a-f]+$`);
  for (const n of await readdir(probeRoot).catch(() => [] as string[])) {
    const m = stale.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    await runtime(c, ['delete', '--force', probeId(n)]).catch(() => undefined);
    await runtime(c, ['delete', '--force', `${probeId(n)}-u`]).catch(() => undefined);
    await unmountAll([namespaceTarget(join(probeRoot, n, 'userns'))]).catch(() => undefined);
    await rm(join(probeRoot, n), { recursive: true, force: true });
  }
}

/** One runtime command (through the hide-unified prefix when the handler has it). */
function runtime(c: RuntimeCommandLine, sub: string[]): Promise<unknown> {
  const argv = runtimeArgv(c, sub);
  return runCommand(argv[0]!, argv.slice(1), { timeoutMs: PROBE_TIMEOUT_MS });
}

async function probeRro(name: string, c: RuntimeCommandLine, dir: string): Promise<string> {
  const id = probeId(basename(dir));
  const bundle = join(dir, 'bundle');
  for (const d of ['vol', 'proc', 'dev']) await mkdir(join(bundle, 'rootfs', d), { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'src', 'sub'), { recursive: true, mode: 0o700 });
  await writeFile(join(bundle, 'rootfs', 'probe'), '', { mode: 0o755 });
  await writeFile(join(bundle, 'config.json'), JSON.stringify(probeSpec(join(dir, 'src'))), { mode: 0o600 });
  const argv = runtimeArgv(c, ['create', '--bundle', bundle, '--pid-file', join(dir, 'pid'), id]);
  // The runtime's stdio goes to a file: its init keeps it open until the container is deleted.
  const script = 'mount -t tmpfs -o size=16k rktlet-rro-probe "$0/src/sub" && exec "$@" </dev/null >"$0/create.log" 2>&1';
  try {
    try {
      await runCommand('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, dir, ...argv], { timeoutMs: PROBE_TIMEOUT_MS });
    } catch (err) {
      const log = (await readFile(join(dir, 'create.log'), 'utf8').catch(() => '')).trim();
      return `${name} could not create the probe container: ${(log || complaintOf(err)).slice(0, 300)}`;
    }
    const pid = (await readFile(join(dir, 'pid'), 'utf8')).trim();
    const info = await readFile(`/proc/${pid}/mountinfo`, 'utf8');
    const top = mountOptionsAt(info, '/vol');
    const sub = mountOptionsAt(info, '/vol/sub');
    if (!top || !sub) return `${name}: the probe container lacks its /vol mounts`;
    if (!top.includes('ro') || !sub.includes('ro')) return `${name} does not mount "rro" read-only recursively (submount: ${sub.includes('ro') ? 'ro' : 'rw'})`;
    return '';
  } finally {
    await runtime(c, ['delete', '--force', id]).catch(() => undefined);
  }
}

/** The host ids the user namespace probe maps the container's 0-65535 to (only seen in /proc). */
export const USERNS_PROBE_HOST_ID = 3_999_000_000;

/** The user namespace probe's bundle: the container joins a pinned user namespace (pure). */
export function usernsProbeSpec(usernsPath: string): Record<string, unknown> {
  const map = [{ containerID: 0, hostID: USERNS_PROBE_HOST_ID, size: 65536 }];
  return {
    ...PROBE_BASE,
    mounts: [
      PROBE_PROC,
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      // A pod's network namespace belongs to the host's user namespace (CNI sets it up from there):
      // the probe joins one such (the runtime's own, never started) as a pod's containers do.
      namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'network', path: '/proc/self/ns/net' }, { type: 'user', path: usernsPath }],
      uidMappings: map,
      gidMappings: map,
      maskedPaths: [],
      readonlyPaths: [],
    },
  };
}

/**
 * Can the handler run a container in a pod's pinned user namespace? A namespace is pinned as a
 * pod's is (src/pod/userns.ts), a container joining it is created, and its init's Uid line in
 * /proc must show the mapped id. '' when it does.
 */
async function probeUserns(name: string, c: RuntimeCommandLine, dir: string): Promise<string> {
  const id = `${probeId(basename(dir))}-u`;
  const bundle = join(dir, 'userns-bundle');
  const nsFile = join(dir, 'userns');
  for (const d of ['proc', 'dev']) await mkdir(join(bundle, 'rootfs', d), { recursive: true, mode: 0o755 });
  await writeFile(join(bundle, 'rootfs', 'probe'), '', { mode: 0o755 });
  await writeFile(join(bundle, 'config.json'), JSON.stringify(usernsProbeSpec(nsFile)), { mode: 0o644 });
  await writeFile(nsFile, '', { mode: 0o644 });
  await grantTraverse(join(bundle, 'rootfs'), USERNS_PROBE_HOST_ID); // as for a pod's root filesystem
  const map = [{ container_id: 0, host_id: USERNS_PROBE_HOST_ID, length: 65536 }];
  try {
    await pinUserNamespace({ uids: map, gids: map }, { user: nsFile, ipc: '', uts: '' });
    try {
      const argv = runtimeArgv(c, ['create', '--bundle', bundle, '--pid-file', join(dir, 'userns.pid'), id]);
      await runCommand('sh', ['-c', 'exec "$@" </dev/null >"$0" 2>&1', join(dir, 'userns.log'), ...argv], { timeoutMs: PROBE_TIMEOUT_MS });
    } catch (err) {
      const log = (await readFile(join(dir, 'userns.log'), 'utf8').catch(() => '')).trim();
      // runc logs logrus lines (time=… level=error msg="…"): the message is what says why.
      const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(log)?.[1] ?? log;
      return `${name} cannot run a container in a pod's user namespace: ${(msg || complaintOf(err)).slice(0, 400)}`;
    }
    const pid = (await readFile(join(dir, 'userns.pid'), 'utf8')).trim();
    const uid = /^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (uid !== String(USERNS_PROBE_HOST_ID)) return `${name}: a container in a user namespace runs as host uid ${uid ?? '?'}, not the mapped ${USERNS_PROBE_HOST_ID}`;
    return '';
  } finally {
    await runtime(c, ['delete', '--force', id]).catch(() => undefined);
    await unmountAll([namespaceTarget(nsFile)]).catch(() => undefined);
  }
}

async function probe(name: string, c: RuntimeCommandLine, probeRoot: string): Promise<FeatureProbe> {
  const dir = join(probeRoot, `${name}-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(probeRoot, { recursive: true, mode: 0o700 });
    await sweepStaleProbes(name, c, probeRoot);
    const why = await probeRro(name, c, dir);
    const usernsWhy = await probeUserns(name, c, dir);
    return { features: { recursive_read_only_mounts: why === '', user_namespaces: usernsWhy === '' }, why: [why, usernsWhy].filter(Boolean).join('; ') };
  } catch (err) {
    return { features: { recursive_read_only_mounts: false, user_namespaces: false }, why: `${name} feature probe failed: ${complaintOf(err)}` };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The handler's features, probed once per runtime binary (a replaced binary is probed again; a
 * failed probe after a minute). `probeRoot` is a private directory under run_root.
 */
export async function handlerFeatures(name: string, c: RuntimeCommandLine, probeRoot: string): Promise<FeatureProbe> {
  let key: string;
  try {
    const st = await stat(c.path);
    key = `${JSON.stringify(c)}:${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return { features: { recursive_read_only_mounts: false, user_namespaces: false }, why: `${name}: ${c.path} not found` };
  }
  const hit = cache.get(name);
  if (hit && hit.key === key) {
    const r = await hit.result;
    if ((r.features.recursive_read_only_mounts && r.features.user_namespaces) || Date.now() - hit.at < RETRY_FAILED_MS) return r;
  }
  const result = probe(name, c, probeRoot);
  cache.set(name, { key, at: Date.now(), result });
  return result;
}
