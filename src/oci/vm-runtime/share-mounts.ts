// Bind mounts into a pod's 9p share (container root filesystems, log files, volumes) and their
// removal. QEMU serves the share by path from the host's mount namespace, so a bind made after the
// VM started is seen by the guest at its next lookup: no hotplug. A directory is only ever deleted
// once nothing is mounted under it any more, or `rm` would walk into a container's root filesystem.
import { readFile, rm } from 'node:fs/promises';
import { InternalError } from '../../errors/catalog.js';
import { complaintOf, runCommand } from '../../util/command.js';

/** Mount points at or under `dir`, deepest first, from mountinfo text (pure; octal escapes decoded). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ')[4];
    if (!f) continue;
    const p = f.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return out.sort((a, b) => b.length - a.length);
}

export async function bindMount(source: string, target: string, readonly = false): Promise<void> {
  try {
    await runCommand('mount', ['--bind', source, target]);
    if (readonly) await runCommand('mount', ['-o', 'remount,bind,ro', target]);
  } catch (err) {
    throw new InternalError(`cannot bind-mount ${source} into the VM share: ${complaintOf(err)}`, { cause: err });
  }
}

/** Unmounts everything at or under `dir` (lazily when busy); throws when something stays. */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const left = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
    if (!left.length) return;
    for (const p of left) await runCommand('umount', [p]).catch(() => runCommand('umount', ['-l', p]).catch(() => undefined));
  }
  const left = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir);
  if (left.length) throw new InternalError(`cannot unmount ${left.join(', ')}: still mounted`);
}

/** Removes a directory of the share after unmounting what is under it. */
export async function removeShareDir(dir: string): Promise<void> {
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
}
