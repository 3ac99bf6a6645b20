// The guest's kernel and initramfs, made once and cached by content under <cacheDir>.
//
// Kernel: Debian's generic linux-image-amd64 (the newest /boot/vmlinuz-* whose modules include 9p).
// Its bzImage is XZ-compressed, which costs about 4 s of every boot under TCG; the ELF vmlinux
// inside it boots directly, so it is extracted once (the XZ stream after the bzImage header).
// Initramfs: busybox-static, the init and agent scripts (./guest-scripts.ts) and the kernel modules
// the guest needs (virtio-mmio, 9p, virtio-net, with their dependencies from modules.dep, in load
// order). Its name is the hash of everything in it, so a new busybox, kernel or script makes a new
// one and a running VM's files are never rewritten under it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '../../errors/catalog.js';
import { complaintOf, runCommand } from '../../util/command.js';
import { pathExists } from '../../util/path-exists.js';
import { GUEST_AGENT, GUEST_INIT } from './guest-scripts.js';

export const GUEST_MODULES = ['virtio_mmio', '9p', '9pnet_virtio', 'virtio_net'];
const BUSYBOX = '/bin/busybox';

export interface GuestImage {
  kernel: string;
  initrd: string;
  kernelVersion: string;
}

/** Module load order (dependencies first) for `wanted`, from modules.dep text (pure). */
export function moduleOrder(modulesDep: string, wanted: readonly string[]): { name: string; path: string }[] {
  const deps = new Map<string, string[]>();
  const paths = new Map<string, string>();
  const nameOf = (p: string): string => p.replace(/^.*\//, '').replace(/\.ko(\.\w+)?$/, '');
  for (const line of modulesDep.split('\n')) {
    const [mod, rest] = line.split(':');
    if (!mod || rest === undefined) continue;
    paths.set(nameOf(mod), mod);
    deps.set(nameOf(mod), rest.trim() ? rest.trim().split(/\s+/).map(nameOf) : []);
  }
  const out: { name: string; path: string }[] = [];
  const seen = new Set<string>();
  const visit = (m: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    const p = paths.get(m);
    if (!p) throw new FailedPreconditionError(`the guest kernel has no module ${m}`);
    for (const d of deps.get(m) ?? []) visit(d);
    out.push({ name: m, path: p });
  };
  for (const w of wanted) visit(w);
  return out;
}

/** The newest installed kernel with 9p modules. */
export async function findGuestKernel(boot = '/boot', modules = '/lib/modules'): Promise<{ image: string; version: string }> {
  const versions = (await readdir(boot).catch(() => [] as string[]))
    .filter((f) => f.startsWith('vmlinuz-'))
    .map((f) => f.slice('vmlinuz-'.length))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  for (const v of versions) if (await pathExists(join(modules, v, 'kernel/fs/9p'))) return { image: join(boot, `vmlinuz-${v}`), version: v };
  throw new FailedPreconditionError(`no guest kernel for the vm handler: no ${boot}/vmlinuz-* with 9p modules (install linux-image-amd64: scripts/setup-host.sh)`);
}

async function sha256(data: string | Buffer): Promise<string> {
  return createHash('sha256').update(data).digest('hex');
}

/** The uncompressed vmlinux inside a bzImage (its XZ payload), cached by the bzImage's hash. */
async function vmlinuxOf(image: string, cacheDir: string): Promise<string> {
  const bz = await readFile(image);
  const out = join(cacheDir, `vmlinux-${(await sha256(bz)).slice(0, 16)}`);
  if (await pathExists(out)) return out;
  const off = bz.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (off < 0) return image; // not XZ: QEMU boots the bzImage itself
  const tmp = `${out}.tmp`;
  // xz stops with "trailing garbage" after the stream (the bzImage's tail): its output is complete.
  await runCommand('sh', ['-c', `tail -c +${off + 1} "$1" | xz -dc > "$2" 2>/dev/null; test -s "$2"`, 'sh', image, tmp]).catch((err: unknown) => {
    throw new FailedPreconditionError(`cannot extract the guest kernel from ${image}: ${complaintOf(err)}`, { cause: err });
  });
  await rename(tmp, out);
  return out;
}

/** The kernel and initramfs for the guest, built when the cache has none for these contents. */
export async function guestImage(cacheDir: string): Promise<GuestImage> {
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const k = await findGuestKernel();
  const modRoot = join('/lib/modules', k.version);
  const order = moduleOrder(await readFile(join(modRoot, 'modules.dep'), 'utf8'), GUEST_MODULES);
  const busybox = await readFile(BUSYBOX).catch((err: unknown) => {
    throw new FailedPreconditionError(`the vm handler needs ${BUSYBOX} (busybox-static) for its guest`, { cause: err });
  });
  const h = createHash('sha256').update(GUEST_INIT).update(GUEST_AGENT).update(busybox).update(k.version);
  for (const m of order) h.update(m.path).update(await readFile(join(modRoot, m.path)));
  const initrd = join(cacheDir, `initramfs-${h.digest('hex').slice(0, 16)}.cpio.gz`);
  const kernel = await vmlinuxOf(k.image, cacheDir);
  if (!(await pathExists(initrd))) await buildInitramfs(initrd, modRoot, order);
  return { kernel, initrd, kernelVersion: k.version };
}

async function buildInitramfs(out: string, modRoot: string, order: { name: string; path: string }[]): Promise<void> {
  const dir = `${out}.d`;
  await rm(dir, { recursive: true, force: true });
  for (const d of ['bin', 'lib/modules', 'proc', 'sys', 'dev', 'share']) await mkdir(join(dir, d), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  await writeFile(join(dir, 'init'), GUEST_INIT, { mode: 0o755 });
  await writeFile(join(dir, 'agent.sh'), GUEST_AGENT, { mode: 0o644 });
  for (const m of order) await copyFile(join(modRoot, m.path), join(dir, 'lib/modules', `${m.name}.ko`));
  await writeFile(join(dir, 'lib/modules/order'), order.map((m) => m.name).join('\n') + '\n');
  try {
    await runCommand('sh', ['-c', 'cd "$1" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$2"', 'sh', dir, `${out}.tmp`]);
  } catch (err) {
    throw new FailedPreconditionError(`cannot build the guest initramfs: ${complaintOf(err)}`, { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await rename(`${out}.tmp`, out);
}
