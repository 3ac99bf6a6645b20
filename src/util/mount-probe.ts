// Can the daemon mount? Every pod needs it (/dev/shm, pinned namespaces, overlay root filesystems),
// and a daemon started without CAP_SYS_ADMIN (a restricted bounding set, a user namespace, a
// seccomp filter) used to report RuntimeReady and fail each pod. A real tmpfs mount and unmount on
// a private directory under run_root answers it; the result is kept for a few seconds, as Status
// is polled.
import { mkdir, mkdtemp, readFile, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { complaintOf, runCommand } from './command.js';
import { isOtherFsMount } from './unmount.js';

const CAP_SYS_ADMIN_BIT = 21n;
const TTL_MS = 10_000;

/** Whether CAP_SYS_ADMIN is in our effective set (undefined when /proc does not say). */
export async function hasSysAdmin(): Promise<boolean | undefined> {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8').catch(() => ''));
  return m ? ((BigInt(`0x${m[1]}`) >> CAP_SYS_ADMIN_BIT) & 1n) === 1n : undefined;
}

/** '' when a tmpfs can be mounted and unmounted under `dir`, else why not. */
export async function probeMount(dir: string): Promise<string> {
  let target: string;
  try {
    await mkdir(dirname(dir), { recursive: true, mode: 0o711 }); // as the engine makes run_root
    await mkdir(dir, { recursive: true, mode: 0o700 });
    target = await mkdtemp(join(dir, 'probe-'));
  } catch (err) {
    return `cannot make a mount point under ${dir}: ${complaintOf(err)}`;
  }
  try {
    try {
      await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=4k,mode=0700,nosuid,nodev,noexec', 'rktlet-mount-probe', target], { timeoutMs: 10_000 });
    } catch (err) {
      const caps = (await hasSysAdmin()) === false ? ' (the daemon lacks CAP_SYS_ADMIN)' : '';
      return `cannot mount a tmpfs at ${target}${caps}: ${complaintOf(err)}`;
    }
    if (!(await isOtherFsMount(target))) return `mount reported success but no tmpfs is mounted at ${target}`;
    try {
      await runCommand('umount', [target], { timeoutMs: 10_000 });
    } catch (err) {
      return `cannot unmount the tmpfs at ${target}: ${complaintOf(err)}`;
    }
    return '';
  } finally {
    await rmdir(target).catch(() => undefined);
  }
}

const probes = new Map<string, { at: number; result: Promise<string> }>();

/** probeMount's answer for `dir`, at most TTL_MS old (a probe in flight is shared). */
export function mountProbe(dir: string): Promise<string> {
  const cached = probes.get(dir);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.result;
  const result = probeMount(dir);
  probes.set(dir, { at: Date.now(), result });
  return result;
}
