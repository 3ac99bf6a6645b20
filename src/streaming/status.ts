// What the error stream carries when an exec or attach ends. v4+ send a JSON metav1.Status
// (success, NonZeroExitCode with the code as an ExitCode cause, or InternalError); v1–v3 send a
// plain message for failures and nothing for success.

export interface K8sStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

export type ExecOutcome = { kind: 'exited'; exitCode: number; cmd?: string[] } | { kind: 'error'; message: string };

export function outcomeStatus(o: ExecOutcome): K8sStatus {
  if (o.kind === 'exited' && o.exitCode === 0) return { metadata: {}, status: 'Success' };
  if (o.kind === 'exited') {
    const what = o.cmd ? `error executing command ${goList(o.cmd)}, exit code ${o.exitCode}` : `exit code ${o.exitCode}`;
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: ${what}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(o.exitCode) }] },
    };
  }
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${o.message}`,
    reason: 'InternalError',
    details: { causes: [{ message: o.message }] },
    code: 500,
  };
}

/** The bytes written on the error stream for a protocol version (empty: write nothing). */
export function statusPayload(o: ExecOutcome, version: number): Buffer {
  const st = outcomeStatus(o);
  if (version >= 4) return Buffer.from(JSON.stringify(st));
  return st.status === 'Success' ? Buffer.alloc(0) : Buffer.from(st.message ?? 'error');
}

/** Go's %v of a string slice: [a b c]. */
function goList(a: string[]): string {
  return `[${a.join(' ')}]`;
}
