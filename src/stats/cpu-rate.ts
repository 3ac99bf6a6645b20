// usage_nano_cores: the CPU rate over the interval between two samples of a cgroup's cumulative
// usage, kept per container/pod in memory (a rate is not state: after a restart the first
// answer is 0 again, as containerd does). Samples closer than minIntervalNs to the baseline
// keep the baseline and return the last rate, so several clients polling at once do not turn
// the rate into noise over microsecond intervals.

interface Entry {
  timestampNs: bigint;
  usageNs: bigint;
  rate: bigint;
}

export class CpuRateTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly minIntervalNs = 1_000_000_000n) {}

  /** Records a sample and returns nano-cores (CPU-nanoseconds per second) since the previous one. */
  update(id: string, timestampNs: bigint, usageNs: bigint): bigint {
    const prev = this.entries.get(id);
    if (!prev || usageNs < prev.usageNs || timestampNs < prev.timestampNs) {
      // First sample, or the counter went back (cgroup recreated): start over.
      this.entries.set(id, { timestampNs, usageNs, rate: 0n });
      return 0n;
    }
    const dt = timestampNs - prev.timestampNs;
    if (dt < this.minIntervalNs) return prev.rate;
    const rate = ((usageNs - prev.usageNs) * 1_000_000_000n) / dt;
    this.entries.set(id, { timestampNs, usageNs, rate });
    return rate;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Drops every id not in `live` (removed containers and pods). */
  retain(live: Iterable<string>): void {
    const keep = new Set(live);
    for (const id of this.entries.keys()) if (!keep.has(id)) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
