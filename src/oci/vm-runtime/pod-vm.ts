// A pod's VM on the host: booting it (tap, share, QEMU detached), finding it (vm.json and /proc),
// stopping it. Everything is in files under <vmRoot>/pods/<pod>/, so a restarted daemon, or a CLI
// verb, finds the VM exactly as the daemon that booted it left it: no rktlet process stays per pod.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, InternalError } from '../../errors/catalog.js';
import { complaintOf, runCommand } from '../../util/command.js';
import { pathExists } from '../../util/path-exists.js';
import { readJsonIfExists, writeJsonAtomic } from '../../store/atomic-file.js';
import { guestImage } from './guest-image.js';
import { qemuArgv, tscKhzOf, vmName } from './qemu-argv.js';
import { plugTap, TAP, vmEnv } from './vm-network.js';
import { JOIN_AND_EXEC, makeVmCgroups, removeVmCgroups } from './vm-cgroup.js';

export interface VmRecord {
  podId: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: the pid cannot be mistaken for a reused one. */
  startTime: string;
  netnsPath: string;
  ip: string;
  /** Milliseconds from the QEMU launch to the agent's ready file. */
  bootMs: number;
  /** QEMU's host cgroup directories (./vm-cgroup.ts), removed with the VM. */
  cgroupDirs?: string[];
}

export interface VmHost {
  /** <run_root>/vm: one directory per pod VM (volatile, as the VMs are). */
  vmRoot: string;
  /** Where the guest kernel and initramfs are cached (persistent). */
  cacheDir: string;
  qemu: string;
  extraArgs: readonly string[];
  memoryMiB: number;
  bootTimeoutMs: number;
}

export function podDir(vmRoot: string, podId: string): string {
  return join(vmRoot, 'pods', podId);
}

export function shareDir(vmRoot: string, podId: string): string {
  return join(podDir(vmRoot, podId), 'share');
}

async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[0] === 'Z' ? undefined : rest[19];
  } catch {
    return undefined;
  }
}

export async function readVm(vmRoot: string, podId: string): Promise<VmRecord | undefined> {
  const v = await readJsonIfExists<VmRecord>(join(podDir(vmRoot, podId), 'vm.json'));
  if (v && !v.pid) {
    // Recorded before the launch (a daemon killed during it): QEMU's own pid file, if it is ours.
    const pid = Number((await readFile(join(podDir(vmRoot, podId), 'qemu.pid'), 'utf8').catch(() => '')).trim());
    const cmdline = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
    const startTime = cmdline.includes(vmName(podId)) ? await startTimeOf(pid) : undefined;
    if (startTime) Object.assign(v, { pid, startTime });
  }
  return v;
}

/** The VM's QEMU still runs (the same process: pid and start time). */
export async function vmAlive(v: VmRecord): Promise<boolean> {
  return v.pid > 0 && (await startTimeOf(v.pid)) === v.startTime;
}

/** The last lines QEMU's serial console got: what a failed boot says. */
async function consoleTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'console.log'), 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join(' | ');
}

/** Boots the pod's VM in its network namespace; resolves once the guest agent is ready. */
export async function bootVm(h: VmHost, podId: string, netnsPath: string, hostname: string, cgroupsPath: string): Promise<VmRecord> {
  if (!netnsPath) throw new FailedPreconditionError('the vm runtime handler needs a pod network namespace: a VM cannot share the host network (namespace_options.network NODE)');
  const dir = podDir(h.vmRoot, podId);
  const share = join(dir, 'share');
  if (/,/.test(share)) throw new FailedPreconditionError(`the VM share path ${share} contains a comma, which QEMU's -fsdev cannot take`);
  for (const d of ['req', 'c', 'x']) await mkdir(join(share, d), { recursive: true, mode: 0o700 });
  const img = await guestImage(h.cacheDir);
  const net = await plugTap(netnsPath);
  await writeFile(join(share, 'vm.env'), vmEnv(net, hostname), { mode: 0o600 });
  const argv = qemuArgv({
    qemu: h.qemu,
    podId,
    kernel: img.kernel,
    initrd: img.initrd,
    shareDir: share,
    tap: TAP,
    mac: net.mac,
    memoryMiB: h.memoryMiB,
    cpus: 1,
    tscKhz: tscKhzOf(await readFile('/proc/cpuinfo', 'utf8').catch(() => '')),
    pidFile: join(dir, 'qemu.pid'),
    consoleLog: join(dir, 'console.log'),
    extraArgs: h.extraArgs,
  });
  const cg = await makeVmCgroups(cgroupsPath);
  await writeJsonAtomic(join(dir, 'vm.json'), { podId, pid: 0, startTime: '', netnsPath, ip: net.ip, bootMs: 0, cgroupDirs: cg.dirs } satisfies VmRecord);
  const t0 = Date.now();
  try {
    await runCommand('sh', ['-c', JOIN_AND_EXEC, 'sh', ...cg.procs, '--', 'nsenter', `--net=${netnsPath}`, ...argv], { timeoutMs: 60_000 });
  } catch (err) {
    throw new FailedPreconditionError(`QEMU could not start the pod's VM: ${complaintOf(err)}`, { cause: err });
  }
  const pid = Number((await readFile(join(dir, 'qemu.pid'), 'utf8')).trim());
  const startTime = (await startTimeOf(pid)) ?? '';
  const rec: VmRecord = { podId, pid, startTime, netnsPath, ip: net.ip, bootMs: 0, cgroupDirs: cg.dirs };
  await writeJsonAtomic(join(dir, 'vm.json'), rec);
  while (!(await pathExists(join(share, 'ready')))) {
    if (!(await vmAlive(rec))) throw new InternalError(`the pod's VM stopped while booting: ${await consoleTail(dir)}`);
    if (Date.now() - t0 > h.bootTimeoutMs) throw new InternalError(`the pod's VM did not boot within ${h.bootTimeoutMs / 1000} s: ${await consoleTail(dir)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  rec.bootMs = Date.now() - t0;
  await writeJsonAtomic(join(dir, 'vm.json'), rec);
  return rec;
}

/** Kills the VM's QEMU (nothing in the guest needs a clean shutdown: its disks are the host's files) and waits until it is gone. */
export async function stopVm(v: VmRecord, waitMs: number): Promise<void> {
  if (!(await vmAlive(v))) return;
  const cmdline = await readFile(`/proc/${v.pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(vmName(v.podId))) return; // not our QEMU (cannot be, with the start time; still)
  try {
    process.kill(v.pid, 'SIGKILL');
  } catch {
    return;
  }
  const until = Date.now() + waitMs;
  while (Date.now() < until && (await vmAlive(v))) await new Promise((r) => setTimeout(r, 20));
}

/** What is left of a stopped VM on the host outside its directory: its cgroups. */
export async function removeVmLeftovers(v: VmRecord): Promise<void> {
  if (!(await vmAlive(v))) await removeVmCgroups(v.cgroupDirs ?? []);
}
