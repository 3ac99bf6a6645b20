// One daemon per state root: a pid file in the root names the live holder. A file left by a
// dead process (crash, SIGKILL) is stale and taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailedPreconditionError, isErrno } from '../errors/catalog.js';

interface LockRecord {
  pid: number;
  socket: string;
  started: string;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
  // A reused pid that is not a node process is not our holder.
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('node') || cmd.includes('rktlet');
  } catch {
    return false;
  }
}

export class DaemonLock {
  private constructor(readonly file: string) {}

  static async acquire(root: string, socket: string): Promise<DaemonLock> {
    const file = join(root, 'rktlet.pid');
    const record: LockRecord = { pid: process.pid, socket, started: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(file, 'wx', 0o644);
        await fh.writeFile(JSON.stringify(record) + '\n');
        await fh.close();
        return new DaemonLock(file);
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      let holder: LockRecord | undefined;
      try {
        holder = JSON.parse(await readFile(file, 'utf8')) as LockRecord;
      } catch {
        holder = undefined; // torn or unreadable: treat as stale
      }
      if (holder && holder.pid !== process.pid && processIsAlive(holder.pid)) {
        throw new FailedPreconditionError(
          `state root ${root} is in use by another rktlet (pid ${holder.pid}, socket ${holder.socket}); ` +
            `stop it or choose another --root`,
        );
      }
      await unlink(file).catch(() => undefined);
    }
    throw new FailedPreconditionError(`could not take the lock ${file}`);
  }

  async release(): Promise<void> {
    await unlink(this.file).catch(() => undefined);
  }
}
