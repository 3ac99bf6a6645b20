// conmon's control fifo, <bundle>/ctl: one line per message, "<type> <height> <width>".
//   1: resize the container's terminal;  2: reopen the log file (after the kubelet rotated it).
// Opened non-blocking for writing: with no conmon reading it (gone), the open fails with ENXIO
// instead of hanging.
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, isErrno } from '../../errors/catalog.js';
import type { ContainerRef } from '../runtime.js';
import type { TerminalSize } from '../session-streams.js';

/** The message line (pure). */
export function ctlMessage(kind: 'resize' | 'reopen-log', size: TerminalSize = { width: 0, height: 0 }): string {
  return `${kind === 'resize' ? 1 : 2} ${size.height} ${size.width}\n`;
}

async function writeCtl(c: ContainerRef, line: string): Promise<void> {
  let fh;
  try {
    fh = await open(join(c.bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENXIO') || isErrno(err, 'ENOENT')) throw new FailedPreconditionError(`container ${c.id} has no running monitor`, { cause: err });
    throw err;
  }
  try {
    await fh.write(line);
  } finally {
    await fh.close();
  }
}

export function resizeTerminal(c: ContainerRef, size: TerminalSize): Promise<void> {
  return writeCtl(c, ctlMessage('resize', size));
}

/** conmon reopens the log path; waits (up to 1 s) until the new file exists. No log: nothing to do. */
export async function reopenLog(c: ContainerRef & { logPath: string }): Promise<void> {
  if (!c.logPath) return;
  await writeCtl(c, ctlMessage('reopen-log'));
  for (let i = 0; i < 50; i++) {
    try {
      await stat(c.logPath);
      return;
    } catch {
      await sleep(20);
    }
  }
  throw new FailedPreconditionError(`conmon did not reopen ${c.logPath}`);
}
