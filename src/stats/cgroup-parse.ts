// Parsers for the text formats of cgroup files (v1 and v2). Pure functions over file contents,
// so every format is tested without a cgroup mount. Counters are bigint: CPU nanoseconds and
// "unlimited" memory limits do not fit a double exactly.

/** A single number; "max" (v2's unlimited) and empty text give undefined. */
export function parseUint(text: string | undefined): bigint | undefined {
  const t = text?.trim();
  if (!t || t === 'max') return undefined;
  if (!/^\d+$/.test(t)) return undefined;
  return BigInt(t);
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events). Malformed lines are skipped. */
export function parseFlatKeyed(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const [k, v, ...rest] = line.trim().split(/\s+/);
    if (!k || v === undefined || rest.length || !/^\d+$/.test(v)) continue;
    out.set(k, BigInt(v));
  }
  return out;
}

export interface PsiLine {
  total: bigint;
  avg10: number;
  avg60: number;
  avg300: number;
}

export interface Psi {
  some: PsiLine;
  /** Absent in the cpu.pressure of old kernels (the root's cpu has no "full" before 5.13). */
  full?: PsiLine;
}

/** cpu.pressure / memory.pressure / io.pressure: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0". */
export function parsePsi(text: string): Psi | undefined {
  const lines = new Map<string, PsiLine>();
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const kv = new Map(fields.map((f) => f.split('=') as [string, string]));
    const total = parseUint(kv.get('total'));
    const avg = (k: string) => Number(kv.get(k));
    if (total === undefined || [avg('avg10'), avg('avg60'), avg('avg300')].some((n) => !Number.isFinite(n))) continue;
    lines.set(kind, { total, avg10: avg('avg10'), avg60: avg('avg60'), avg300: avg('avg300') });
  }
  const some = lines.get('some');
  if (!some) return undefined;
  const full = lines.get('full');
  return full ? { some, full } : { some };
}

export interface DeviceIo {
  major: number;
  minor: number;
  readBytes: bigint;
  writeBytes: bigint;
  reads: bigint;
  writes: bigint;
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
export function parseIoStat(text: string): DeviceIo[] {
  const out: DeviceIo[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = new Map(fields.map((f) => f.split('=') as [string, string]));
    const n = (k: string) => parseUint(kv.get(k)) ?? 0n;
    out.push({ major: Number(m[1]), minor: Number(m[2]), readBytes: n('rbytes'), writeBytes: n('wbytes'), reads: n('rios'), writes: n('wios') });
  }
  return out;
}

/**
 * v1 blkio.throttle.io_service_bytes(_recursive) and io_serviced(_recursive) together:
 * "8:0 Read 4096" lines; the "Total" lines are ignored.
 */
export function parseBlkio(bytesText: string, opsText: string): DeviceIo[] {
  const devs = new Map<string, DeviceIo>();
  const get = (key: string): DeviceIo => {
    let d = devs.get(key);
    if (!d) {
      const [major, minor] = key.split(':').map(Number) as [number, number];
      d = { major, minor, readBytes: 0n, writeBytes: 0n, reads: 0n, writes: 0n };
      devs.set(key, d);
    }
    return d;
  };
  const scan = (text: string, onRead: (d: DeviceIo, v: bigint) => void, onWrite: (d: DeviceIo, v: bigint) => void) => {
    for (const line of text.split('\n')) {
      const [dev, op, value] = line.trim().split(/\s+/);
      if (!dev || !/^\d+:\d+$/.test(dev) || value === undefined || !/^\d+$/.test(value)) continue;
      if (op === 'Read') onRead(get(dev), BigInt(value));
      else if (op === 'Write') onWrite(get(dev), BigInt(value));
    }
  };
  scan(bytesText, (d, v) => (d.readBytes = v), (d, v) => (d.writeBytes = v));
  scan(opsText, (d, v) => (d.reads = v), (d, v) => (d.writes = v));
  return [...devs.values()];
}
