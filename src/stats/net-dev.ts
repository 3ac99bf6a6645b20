// /proc/<pid>/net/dev: per-interface counters of the network namespace the process lives in
// (the pod's infra process, so the pod's namespace). Loopback is not pod traffic: skipped.
import { readPseudoFile } from './read-file.js';

export interface InterfaceCounters {
  name: string;
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrors: bigint;
  rxDropped: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  txDropped: bigint;
}

export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    // The two header lines hold '|' and no colon-separated counters.
    if (!name || name.includes('|') || f.length < 16 || !f.every((x) => /^\d+$/.test(x))) continue;
    if (name === 'lo') continue;
    const n = (i: number) => BigInt(f[i]!);
    out.push({
      name,
      rxBytes: n(0),
      rxPackets: n(1),
      rxErrors: n(2),
      rxDropped: n(3),
      txBytes: n(8),
      txPackets: n(9),
      txErrors: n(10),
      txDropped: n(11),
    });
  }
  return out;
}

/** The interface the kubelet calls the pod's default: eth0 when present, else the first. */
export function defaultInterface(ifaces: InterfaceCounters[]): InterfaceCounters | undefined {
  return ifaces.find((i) => i.name === 'eth0') ?? ifaces[0];
}

/** Counters of the namespace `pid` is in; undefined when the process is gone. */
export async function readNetDev(pid: number): Promise<InterfaceCounters[] | undefined> {
  const text = readPseudoFile(`/proc/${pid}/net/dev`);
  return text === undefined ? undefined : parseNetDev(text);
}
