// Time in the CRI: int64 nanoseconds since the epoch, carried as decimal strings.

/** Now, in nanoseconds since the epoch (microsecond resolution from the high-resolution clock). */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function dateToNs(d: Date): bigint {
  return BigInt(d.getTime()) * 1_000_000n;
}
