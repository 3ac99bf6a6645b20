// Cross-process change detection for a store directory that the daemon and daemonless CLI verbs
// share. Every record write is followed by a new random token in the stamp; a reader reads the
// token, then rescans. A write whose token landed before the read is visible to the scan (its
// record was written first); one whose token lands after makes the next read differ. So an
// unchanged token means the index is current, at the cost of one small read per call.
// The stamp is a symbolic link whose target is the token: reading it is one readlink(2), done
// synchronously (a few microseconds), where an async file read waits for the thread pool and the
// event loop, a millisecond or more on a busy node, before every RPC. A regular file holding the
// token (older versions wrote one) is read as well.
import { randomHex } from '../util/random-hex.js';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { readFile, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { isErrno } from '../errors/catalog.js';

const DONE: Promise<void> = Promise.resolve();

export class ChangeStamp {
  private seen: string | undefined;
  private running: Promise<void> | undefined;
  /** The token the running scan read before it started. */
  private runningToken: string | undefined;
  private queued: Promise<void> | undefined;

  constructor(readonly file: string) {}

  /** Records that something in the store changed (after the record itself was written). */
  async bump(): Promise<void> {
    const token = randomHex(12);
    const tmp = `${this.file}.${token}.tmp`;
    // Not fsynced: the token only matters to processes running now.
    await symlink(token, tmp);
    try {
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The current token ('' when there is none yet). A regular-file stamp (an older writer's) is
   * replaced by a link first: peek() would otherwise pay a failed readlink and a file read on
   * every call until the next write.
   */
  async read(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await readlink(this.file);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return '';
        if (!isErrno(err, 'EINVAL')) throw err;
      }
      if (attempt > 0) return readFile(this.file, 'utf8');
      await this.bump();
    }
  }

  /** The current token, read synchronously ('' when there is none yet). */
  peek(): string {
    try {
      try {
        return readlinkSync(this.file);
      } catch (err) {
        if (!isErrno(err, 'EINVAL')) throw err;
        return readFileSync(this.file, 'utf8'); // a regular file: an older writer
      }
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return '';
      throw err;
    }
  }

  /** Marks the index current as of `token` (read before a full load). */
  accept(token: string): void {
    this.seen = token;
  }

  /**
   * Runs rescan when the token changed since the last accepted one; an already settled promise
   * when it did not. Concurrent callers share one scan that read the token no earlier than their
   * call: a running scan that read the same token serves them, otherwise one more scan is queued.
   */
  sync(rescan: () => Promise<void>): Promise<void> {
    if (this.queued) return this.queued;
    let token: string;
    try {
      token = this.peek();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.running) {
      if (token === this.runningToken) return this.running;
      const q = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.once(rescan, this.peek());
        });
      this.queued = q;
      return q;
    }
    if (token === this.seen) return DONE;
    return this.once(rescan, token);
  }

  private once(rescan: () => Promise<void>, token: string): Promise<void> {
    if (token === this.seen) return DONE;
    const p = (async () => {
      await rescan();
      this.seen = token;
    })();
    this.running = p;
    this.runningToken = token;
    void p.then(
      () => this.clear(p),
      () => this.clear(p),
    );
    return p;
  }

  private clear(p: Promise<void>): void {
    if (this.running === p) {
      this.running = undefined;
      this.runningToken = undefined;
    }
  }
}

/**
 * Identity of a file's current content (atomic writes replace the inode); undefined when absent.
 * A synchronous stat, on purpose: a rescan stats every record (200 with 100 pods), and the
 * daemon's own writes make one happen at the next list after each write. Async, those stats went
 * through libuv's 4-thread pool, ahead of every other call's file I/O, each relist of a burst of
 * pod starts; synchronous, they cost a few microseconds each (the inodes were just written, so
 * cached) and nothing else waits behind them (issue 19).
 */
export async function fileSig(path: string): Promise<string | undefined> {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}
