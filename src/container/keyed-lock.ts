// One operation at a time per key (container ID): create/start/stop/remove and the exit monitor
// never interleave their read-modify-write of a container's status. With a directory the lock also
// holds across processes (the daemon and daemonless CLI verbs share the state root): a lock file
// per key, and onAcquire re-reads what another process may have changed meanwhile.
import { FileLocks } from '../store/file-locks.js';

export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly files: FileLocks | undefined;

  constructor(
    dir?: string,
    private readonly onAcquire?: (key: string) => Promise<void>,
  ) {
    this.files = dir ? new FileLocks(dir, 'container') : undefined;
  }

  /** Keys whose operation is running now (lock acquired), not merely queued. */
  private readonly active = new Set<string>();

  /**
   * Whether this process is inside an operation on the key. Waiting for it does not count: while
   * another process holds the lock, what it writes must still be picked up by sync.
   */
  held(key: string): boolean {
    return this.active.has(key);
  }

  /** Whether another live process holds the key's lock file right now. */
  async heldElsewhere(key: string): Promise<boolean> {
    return (await this.files?.heldElsewhere(key)) ?? false;
  }

  /** Keys locked by a process that died holding them (see FileLocks.deadHolderKeys). */
  async deadHolderKeys(): Promise<string[]> {
    return (await this.files?.deadHolderKeys()) ?? [];
  }

  /** Removes the lock files of dead processes (see FileLocks.sweepDead). */
  async sweepDead(): Promise<number> {
    return (await this.files?.sweepDead()) ?? 0;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const files = this.files;
    const inside = async (): Promise<T> => {
      this.active.add(key);
      try {
        return await fn();
      } finally {
        this.active.delete(key);
      }
    };
    const body = files
      ? () =>
          files.with(key, async () => {
            await this.onAcquire?.(key);
            return inside();
          })
      : inside;
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(body, body);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
