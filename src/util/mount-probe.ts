// Can the daemon mount? Every pod needs it (/dev/shm, pinned namespaces, overlay root filesystems),
// and a daemon started without CAP_SYS_ADMIN (a restricted bounding set, a user namespace, a
// seccomp filter) used to report RuntimeReady and fail each pod. A real tmpfs mount on a private
// directory under run_root answers it. The mount is made in a mount namespace of its own (`unshare
// --mount`, which needs the same privilege), so it ends with that command: a daemon killed or
// failing mid-probe leaves nothing mounted. The result is kept for a few seconds, as Status is
// polled.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { complaintOf, runCommand } from './command.js';

const CAP_SYS_ADMIN_BIT = 21n;
const TTL_MS = 10_000;

/** Whether CAP_SYS_ADMIN is in our effective set (undefined when /proc does not say). */
export async function hasSysAdmin(): Promise<boolean | undefined> {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8').catch(() => ''));
  return m ? ((BigInt(`0x${m[1]}`) >> CAP_SYS_ADMIN_BIT) & 1n) === 1n : undefined;
}

/** '' when a tmpfs can be mounted on `dir`, else why not. */
export async function probeMount(dir: string): Promise<string> {
  try {
    await mkdir(dirname(dir), { recursive: true, mode: 0o711 }); // as the engine makes run_root
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return `cannot make the mount point ${dir}: ${complaintOf(err)}`;
  }
  const mount = ['mount', '-t', 'tmpfs', '-o', 'size=4k,mode=0700,nosuid,nodev,noexec', 'rktlet-mount-probe', dir];
  try {
    await runCommand('unshare', ['--mount', '--propagation', 'private', '--', ...mount], { timeoutMs: 10_000 });
    return '';
  } catch (err) {
    const caps = (await hasSysAdmin()) === false ? ' (the daemon lacks CAP_SYS_ADMIN)' : '';
    return `cannot mount a tmpfs at ${dir}${caps}: ${complaintOf(err)}`;
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
