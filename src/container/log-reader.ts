// Reads a CRI log file as a client (`rktlet logs`, crictl logs) would: whole records in order,
// optionally following the file as conmon appends to it, across rotations (a new file at the path),
// until the caller says the writer is gone.
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../errors/catalog.js';
import { parseLogLine, type LogRecord } from './cri-log.js';

export interface FollowOptions {
  follow: boolean;
  /** Polled between reads when following: true once nothing more will be written. */
  done?: () => Promise<boolean>;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Yields records; a trailing line without its newline is held back until it is complete. */
export async function* readLogRecords(path: string, o: FollowOptions): AsyncGenerator<LogRecord> {
  let pos = 0;
  let ino: bigint | undefined;
  let pending = '';
  const pollMs = o.pollMs ?? 100;
  for (;;) {
    let grew = false;
    try {
      const st = await stat(path, { bigint: true });
      if (ino !== undefined && st.ino !== ino) {
        // Rotated: the old file is complete; start on the new one from its beginning.
        pos = 0;
        pending = '';
      }
      ino = st.ino;
      if (st.size > BigInt(pos)) {
        const fh = await open(path, 'r');
        try {
          const len = Number(st.size) - pos;
          const buf = Buffer.alloc(len);
          const { bytesRead } = await fh.read(buf, 0, len, pos);
          pos += bytesRead;
          pending += buf.subarray(0, bytesRead).toString('utf8');
          grew = bytesRead > 0;
        } finally {
          await fh.close();
        }
      } else if (st.size < BigInt(pos)) {
        pos = 0; // truncated in place
        pending = '';
      }
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const rec = parseLogLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (rec) yield rec;
    }
    if (!o.follow || o.signal?.aborted) return;
    if (!grew) {
      if (o.done && (await o.done())) {
        // One last read after the writer finished, then stop.
        o = { ...o, follow: false };
        continue;
      }
      await sleep(pollMs);
    }
  }
}
