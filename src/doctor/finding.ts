// What `rktlet doctor` says about one aspect of the host: what works, what does not, what to do.
// Every check is a pure function from what was read (files of /proc and /sys, command outputs) to
// findings, so each is tested with fixtures; probes.ts does the reading.

/** ok: works; info: a fact that limits nothing by default; warn: a feature is missing; fail: rktlet cannot run pods as configured. */
export type Status = 'ok' | 'info' | 'warn' | 'fail';

export interface Finding {
  /** Stable id of the check, e.g. `kernel.overlayfs`, `runtime.runc`. */
  check: string;
  status: Status;
  /** What was found, one line. */
  summary: string;
  /** What to do about it (warn and fail always say). */
  fix?: string;
  /** The raw facts behind it, for --json readers. */
  facts?: Record<string, string | number | boolean | string[]>;
}

/** Healthy: nothing failed. Warnings are features this host lacks, not faults. */
export function healthy(findings: readonly Finding[]): boolean {
  return !findings.some((f) => f.status === 'fail');
}

/** "6.1.0-18-amd64" → [6, 1, 0]; undefined when it does not start with a version. */
export function parseVersion(text: string): number[] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** a >= b, version by version. */
export function atLeast(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
