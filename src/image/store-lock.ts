// A lock shared by every process using one image store (the daemon and CLI verbs): a lock file
// naming its holder's pid, taken over when the holder is dead. Inside a process, callers queue.
import { open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno, UnavailableError } from '../errors/catalog.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

export class StoreLock {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly timeoutMs = 60_000,
  ) {}

  /** Runs fn while holding the lock (in-process queue first, then the lock file). */
  async with<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await this.acquireFile();
      try {
        return await fn();
      } finally {
        await unlink(this.file).catch(() => undefined);
      }
    } finally {
      release();
    }
  }

  private async acquireFile(): Promise<void> {
    const until = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        const fh = await open(this.file, 'wx', 0o600);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      const pid = Number((await readFile(this.file, 'utf8').catch(() => '')).trim());
      // Our own pid here is a previous incarnation's (the in-process queue means we hold nothing).
      if (!pid || pid === process.pid || !alive(pid)) {
        // Torn or stale (its holder died): take it over.
        if (!pid) await sleep(20);
        const again = Number((await readFile(this.file, 'utf8').catch(() => '')).trim());
        if (again === pid) await unlink(this.file).catch(() => undefined);
        continue;
      }
      if (Date.now() > until) throw new UnavailableError(`image store is locked by pid ${pid} (${this.file})`);
      await sleep(25);
    }
  }
}
