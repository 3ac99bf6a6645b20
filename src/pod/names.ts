// Pod names (name, namespace, uid, attempt) are reserved: one file per name under
// <root>/pod-names, created exclusively, so the daemon and the CLI cannot both take one. A file
// whose pod no longer exists (no record, and no process running it under its lock) is stale and
// taken over.
import { link, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { writeAsideFile } from '../store/atomic-file.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlreadyExistsError, isErrno } from '../errors/catalog.js';
import { pidAlive } from '../util/pid-alive.js';


export class PodNames {
  constructor(
    readonly dir: string,
    /** Whether the pod holding a name still exists. */
    private readonly exists: (podId: string) => Promise<boolean>,
  ) {}

  private file(key: string): string {
    return join(this.dir, encodeURIComponent(key));
  }

  async reserve(key: string, podId: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      // Written aside, then linked in: the name file never exists empty, so a racing process
      // cannot take a half-written one for stale.
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeAsideFile(tmp, podId, 0o600, file);
      try {
        await link(tmp, file);
        return;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      const holder = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (holder && (holder === podId || (await this.exists(holder)))) {
        throw new AlreadyExistsError(`pod sandbox name "${key}" is reserved by pod ${holder}`);
      }
      await unlink(file).catch(() => undefined);
    }
    throw new AlreadyExistsError(`pod sandbox name "${key}" could not be reserved`);
  }

  /** Releases the name if this pod holds it. */
  async release(key: string, podId: string): Promise<void> {
    const file = this.file(key);
    try {
      if ((await readFile(file, 'utf8')).trim() === podId) await unlink(file);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }

  /**
   * Drops the name files whose pod no longer exists (a RunPodSandbox killed between reserving the
   * name and writing its record), and the link temp files of dead writers; returns how many.
   */
  async sweep(): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const file = join(this.dir, name);
      const temp = /\.(\d+)\.[0-9a-f]{8}$/.exec(name);
      if (temp) {
        if (!pidAlive(Number(temp[1]))) await unlink(file).catch(() => undefined);
        continue;
      }
      const holder = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (!holder || (await this.exists(holder))) continue;
      // Unlinked only if it still names that holder (a racing reserve may have taken it over).
      if ((await readFile(file, 'utf8').catch(() => '')).trim() === holder) await unlink(file).catch(() => undefined);
      n++;
    }
    return n;
  }

  /** Re-creates a name file for a pod found at recovery (a crash may have lost it). */
  async ensure(key: string, podId: string): Promise<void> {
    // Almost always the file is there and names this pod: one small read, no exclusive create.
    try {
      if (readFileSync(this.file(key), 'utf8').trim() === podId) return;
    } catch {
      /* missing or unreadable: reserve it below */
    }
    try {
      await this.reserve(key, podId);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }
}
