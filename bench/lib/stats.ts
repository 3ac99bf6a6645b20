// Statistics of timing samples: median and p95 (nearest rank, so every reported figure is a
// value that was actually measured), plus the rktlet/containerd ratio as the table shows it.

export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

function sorted(xs: readonly number[]): number[] {
  if (xs.length === 0) throw new RangeError('no samples');
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`not a finite sample: ${x}`);
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100]: ${p}`);
  const s = sorted(xs);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.max(0, rank - 1)] as number;
}

/** The middle sample; the mean of the two middle ones for an even count. */
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  const s = sorted(xs);
  return {
    n: s.length,
    median: median(s),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    min: s[0] as number,
    max: s[s.length - 1] as number,
  };
}

/** rktlet / containerd; undefined when either side is missing or containerd's is zero. */
export function ratio(rktlet: number | undefined, containerd: number | undefined): number | undefined {
  if (rktlet === undefined || containerd === undefined || containerd === 0) return undefined;
  return rktlet / containerd;
}

/** "0.42×", "1.00×", "12.3×", or "n/a". */
export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return 'n/a';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** A value with its unit, with precision that fits its size: "0.84 ms", "12.3 ms", "1234 ms". */
export function formatValue(v: number | undefined, unit: string): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}
