// Keyed locks that hold across processes (the daemon and daemonless CLI verbs share the state
// root): pods, containers and the image store each lock through one of these. An exclusive lock
// file per key names its holder's pid and is taken over when that process is dead.
// Within one process, waiters queue on a promise chain so the file is only contended across
// processes.
import { link, readdir, readFile, rename, unlink, mkdir } from 'node:fs/promises';
import { writeAsideFile } from './atomic-file.js';
import { randomHex } from '../util/random-hex.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineExceededError, InvalidArgumentError, isErrno } from '../errors/catalog.js';
import { pidAlive } from '../util/pid-alive.js';


export class FileLocks {
  private readonly chains = new Map<string, Promise<void>>();
  /** Runs once the lock is held, before fn: re-reads what another process changed meanwhile. */
  onAcquire: ((key: string) => Promise<void>) | undefined;

  constructor(
    readonly dir: string,
    /** What the keys name, for error messages ("pod", "container", "image store"). */
    readonly what = 'pod',
    readonly timeoutMs = 120_000,
  ) {}

  /** Runs fn while holding the key's lock (in this process and across processes). */
  async with<T>(podId: string, fn: () => Promise<T>): Promise<T> {
    // The key names a file in dir: never a path out of it (ids are hex, names URI-encoded).
    if (!/^[A-Za-z0-9_.:%~!*'()-]+$/.test(podId) || podId === '.' || podId === '..' || podId.length > 200) throw new InvalidArgumentError(`${this.what} ${JSON.stringify(podId.slice(0, 100))} is not a valid id`);
    const prev = this.chains.get(podId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chain = prev.then(() => mine);
    this.chains.set(podId, chain);
    await prev;
    try {
      const file = await this.acquireFile(podId);
      try {
        await this.onAcquire?.(podId);
        return await fn();
      } finally {
        await unlink(file).catch(() => undefined);
      }
    } finally {
      release();
      if (this.chains.get(podId) === chain) this.chains.delete(podId);
    }
  }

  /** Whether this process holds (or waits for) the key. */
  held(podId: string): boolean {
    return this.chains.has(podId);
  }

  /** Whether another live process holds the key's lock file right now. */
  async heldElsewhere(podId: string): Promise<boolean> {
    const holder = Number((await readFile(join(this.dir, `${podId}.lock`), 'utf8').catch(() => '')).trim());
    return holder > 0 && holder !== process.pid && pidAlive(holder);
  }

  /**
   * Removes the lock files of dead holders (a process killed while it held them): nobody may ever
   * take those keys again (an object whose create died). Taken over and released as any contender
   * would, so a live process that takes one meanwhile is never disturbed; the temp files a dead
   * process was linking in go too. Returns how many went.
   */
  async sweepDead(): Promise<number> {
    const keys = await this.deadHolderKeys();
    for (const key of keys) await this.with(key, async () => undefined);
    return keys.length;
  }

  /**
   * Keys whose lock file names a dead process (killed in the middle of an operation on them: a
   * caller can finish or undo that operation under the lock). The temp files a dead process was
   * linking in are deleted on the way. One listing when there are none.
   */
  async deadHolderKeys(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const keys: string[] = [];
    for (const name of names) {
      const temp = /\.lock\.(\d+)\.[0-9a-f]+$/.exec(name);
      if (temp) {
        if (!pidAlive(Number(temp[1]))) await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      if (/\.lock\.stale\.[0-9a-f]+$/.test(name)) {
        // Moved aside by a taker killed before it unlinked it: a dead holder's (a live one's is linked back).
        const was = Number((await readFile(join(this.dir, name), 'utf8').catch(() => '')).trim());
        if (!was || !pidAlive(was)) await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      if (!name.endsWith('.lock')) continue;
      const key = name.slice(0, -'.lock'.length);
      const holder = Number((await readFile(join(this.dir, name), 'utf8').catch(() => '')).trim());
      if (!holder || holder === process.pid || pidAlive(holder) || this.held(key)) continue;
      keys.push(key);
    }
    return keys;
  }

  private async acquireFile(podId: string): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${podId}.lock`);
    const until = Date.now() + this.timeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      // Written aside, then linked in: the lock file appears with its holder's pid in it, so a
      // live holder's file is never seen empty (and taken for a crashed one's).
      const tmp = `${file}.${process.pid}.${randomHex(4)}`;
      await writeAsideFile(tmp, String(process.pid), 0o600, file);
      try {
        await link(tmp, file);
        return file;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        // Released between our link and this read: try again at once. Taking this for a stale
        // lock would move a new holder's file aside, and a third process could link in then.
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      const holder = Number(text.trim());
      if (!holder || holder === process.pid || !pidAlive(holder)) {
        // A holder that died (or an empty file from a crash between open and write) is stale.
        if (!holder) await sleep(20);
        // Moved aside, not unlinked: a contender that got here first may have made a fresh lock
        // in its place; what we moved tells, and a live holder's lock is put back.
        const aside = `${file}.stale.${randomHex(4)}`;
        try {
          await rename(file, aside);
        } catch {
          continue; // taken over by someone else already
        }
        const moved = Number((await readFile(aside, 'utf8').catch(() => '')).trim());
        if (moved && moved !== holder && moved !== process.pid && pidAlive(moved)) await link(aside, file).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        continue;
      }
      if (Date.now() > until) throw new DeadlineExceededError(`${this.what} ${podId} is locked by process ${holder}`);
      await sleep(delay);
    }
  }
}
