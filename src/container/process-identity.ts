// Is the container's recorded pid still the container's process? Asking the runtime (`runc state`)
// costs a process spawn per container, which made a restart with hundreds of containers take
// seconds. /proc answers the same question: the pid exists, is not a zombie, and started between
// the container's creation and now (a reused pid started later than the record says, or earlier).
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { parseStartTime } from '../pod/infra-liveness.js';

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture the kubelet supports

let bootTimeMs: number | undefined;

async function bootTime(): Promise<number | undefined> {
  if (bootTimeMs === undefined) {
    const m = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8').catch(() => ''));
    if (m) bootTimeMs = Number(m[1]) * 1000;
  }
  return bootTimeMs;
}

/** The process's start as epoch milliseconds (pure: /proc/<pid>/stat text and boot time). */
export function processStartMs(statText: string, bootMs: number): number | undefined {
  const ticks = parseStartTime(statText);
  if (ticks === undefined || statText.slice(statText.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
  return bootMs + (Number(ticks) * 1000) / CLOCK_TICKS;
}

/**
 * True when `pid` is alive and was started within the container's life (created at `createdAtNs`,
 * with a second of slack for btime's whole-second resolution). False means "ask the runtime".
 */
export async function isContainerProcess(pid: number, createdAtNs: string): Promise<boolean> {
  if (!pid || pid <= 0) return false;
  const boot = await bootTime();
  if (boot === undefined) return false;
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return startedWithin(stat, boot, createdAtNs);
}

function startedWithin(stat: string, bootMs: number, createdAtNs: string): boolean {
  const started = processStartMs(stat, bootMs);
  if (started === undefined) return false;
  const createdMs = Number(BigInt(createdAtNs) / 1_000_000n);
  return started >= createdMs - 1000 && started <= Date.now() + 1000;
}

/** The same, with synchronous reads (start-up recovery asks it for hundreds of containers). */
export function isContainerProcessSync(pid: number, createdAtNs: string): boolean {
  if (!pid || pid <= 0) return false;
  if (bootTimeMs === undefined) {
    let text: string;
    try {
      text = readFileSync('/proc/stat', 'utf8');
    } catch {
      return false;
    }
    const m = /^btime (\d+)$/m.exec(text);
    if (!m) return false;
    bootTimeMs = Number(m[1]) * 1000;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return startedWithin(stat, bootTimeMs, createdAtNs);
}
