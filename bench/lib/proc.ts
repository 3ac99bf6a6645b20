// Processes and their memory, read from /proc: RSS from status (VmRSS), PSS from smaps_rollup
// (shared pages split between the processes sharing them, so a sum over many helpers is honest).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string[];
  /** The pid namespace link, "pid:[4026531836]". */
  pidNs: string;
}

export interface MemInfo {
  rssKiB: number;
  /** undefined when smaps_rollup is unreadable (older kernels, gone process). */
  pssKiB?: number;
}

/** A "Key:   123 kB" line of /proc/<pid>/status or smaps_rollup, in KiB. */
export function parseKiB(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export function parsePpid(statusText: string): number {
  const m = /^PPid:\s+(\d+)$/m.exec(statusText);
  return m ? Number(m[1]) : 0;
}

export function parseCmdline(raw: string): string[] {
  return raw.split('\0').filter((s) => s.length > 0);
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      pid,
      ppid: parsePpid(status),
      comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
      cmdline: parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
      pidNs: readlinkSync(`/proc/${pid}/ns/pid`),
    };
  } catch {
    return undefined; // exited while we looked, or a kernel thread without namespaces
  }
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

export function memoryOf(pid: number): MemInfo | undefined {
  try {
    const rss = parseKiB(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
    if (rss === undefined) return undefined;
    let pss: number | undefined;
    try {
      pss = parseKiB(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
    } catch {
      pss = undefined;
    }
    return { rssKiB: rss, ...(pss !== undefined ? { pssKiB: pss } : {}) };
  } catch {
    return undefined;
  }
}

export function hostPidNs(): string {
  return readlinkSync('/proc/self/ns/pid');
}

/**
 * The runtime's own helpers: processes in the host pid namespace (container processes are in
 * their pods' namespaces), other than the daemon itself, whose command line names a path under
 * the runtime's private directory (shims get the containerd socket, conmon the bundle and logs).
 */
export function helperProcesses(all: readonly ProcInfo[], privateDir: string, daemonPid: number, hostNs: string): ProcInfo[] {
  const names = namesDir(privateDir);
  return all.filter((p) => p.pid !== daemonPid && p.pidNs === hostNs && names(p));
}

/** Whether a process's command line names the directory or a path under it. */
function namesDir(dir: string): (p: ProcInfo) => boolean {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (p) => p.cmdline.some((arg) => arg === dir || arg.includes(prefix));
}

/**
 * The daemon's own long-lived children that serve no pod in particular (rktlet's command helper):
 * counted as part of the daemon. Per-pod helpers (naming the private dir) are counted apart.
 */
export function daemonChildren(all: readonly ProcInfo[], privateDir: string, daemonPid: number): ProcInfo[] {
  const names = namesDir(privateDir);
  return all.filter((p) => p.ppid === daemonPid && !names(p));
}

export interface MemoryTotal {
  count: number;
  rssKiB: number;
  pssKiB: number;
  byComm: Record<string, number>;
}

export function sumMemory(procs: readonly ProcInfo[], read: (pid: number) => MemInfo | undefined = memoryOf): MemoryTotal {
  const t: MemoryTotal = { count: 0, rssKiB: 0, pssKiB: 0, byComm: {} };
  for (const p of procs) {
    const m = read(p.pid);
    if (!m) continue;
    t.count++;
    t.rssKiB += m.rssKiB;
    t.pssKiB += m.pssKiB ?? m.rssKiB;
    t.byComm[p.comm] = (t.byComm[p.comm] ?? 0) + 1;
  }
  return t;
}
