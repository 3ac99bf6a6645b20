// Per-process temp directories under a shared parent: several processes (daemon, CLI verbs) can
// use one state root. Each process's dir is made on its first use, so a verb that never downloads
// or unpacks (and is killed) leaves none; dirs of processes that are gone (killed mid-download)
// are dropped when a store opens, when a process makes its own, and when asked (sweepDead).
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pidAlive } from '../util/pid-alive.js';


export class ProcessTemp {
  private made: Promise<string> | undefined;

  constructor(readonly parent: string) {}

  /** Removes the dirs of dead processes (cheap: one listing). */
  async sweepDead(): Promise<void> {
    await mkdir(this.parent, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.parent)) {
      const pid = Number(name.split('-')[0]);
      if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) await rm(join(this.parent, name), { recursive: true, force: true });
    }
  }

  /**
   * Whether another live process has a dir here: it is downloading or unpacking right now (or did
   * and has not exited yet). A process makes its dir before it writes its first file.
   */
  async othersActive(): Promise<boolean> {
    for (const name of await readdir(this.parent).catch(() => [] as string[])) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) return true;
    }
    return false;
  }

  /** This process's own dir, made (after a sweep) on first use. */
  dir(): Promise<string> {
    this.made ??= (async () => {
      await this.sweepDead();
      const dir = join(this.parent, `${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(dir, { mode: 0o700 });
      return dir;
    })();
    this.made.catch(() => (this.made = undefined));
    return this.made;
  }

  /** Deletes this process's dir (if it made one). */
  async close(): Promise<void> {
    const made = this.made;
    this.made = undefined;
    const dir = await made?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
