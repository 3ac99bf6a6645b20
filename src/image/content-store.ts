// Content-addressed blob store (sha256): <root>/content/blobs/sha256/<hex>. Blobs are written to
// <root>/content/ingest first and renamed into place only once their digest checks out, so a
// partial or corrupt download is never visible.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, isErrno } from '../errors/catalog.js';
import { ProcessTemp } from '../snapshot/process-temp.js';
import { isDigest } from './reference.js';

export class DigestMismatchError extends InvalidArgumentError {}

export function sha256Hex(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

export function digestOf(b: Uint8Array | string): string {
  return 'sha256:' + sha256Hex(b);
}

/** Writes one blob incrementally while hashing it; commit() verifies and publishes it. */
export class BlobWriter {
  private readonly hash = createHash('sha256');
  private written = 0;
  /** The blob is in place (commit succeeded): from here on only garbage collection removes it. */
  committed = false;
  private verified = false;
  /** Told the bytes written so far after each chunk (a pull's progress display). */
  onProgress: ((bytes: number) => void) | undefined;
  private constructor(
    private readonly store: ContentStore,
    readonly digest: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(store: ContentStore, digest: string): Promise<BlobWriter> {
    const tmp = join(await store.ingest.dir(), `${digest.slice(7, 23)}-${randomBytes(6).toString('hex')}`);
    return new BlobWriter(store, digest, tmp, await open(tmp, 'w', 0o644));
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    this.written += chunk.length;
    await this.fh.write(chunk);
    this.onProgress?.(this.written);
  }

  get bytesWritten(): number {
    return this.written;
  }

  /**
   * Ends the writing and checks the digest (and size when known) without publishing the blob, so
   * that a caller can check more (a layer's diff ID) before it becomes visible.
   */
  async verify(expectedSize?: number): Promise<void> {
    if (this.verified) return;
    await this.fh.sync();
    await this.fh.close();
    const got = 'sha256:' + this.hash.digest('hex');
    if (got !== this.digest || (expectedSize !== undefined && expectedSize !== this.written)) {
      await unlink(this.tmp).catch(() => undefined);
      throw new DigestMismatchError(`content of ${this.digest} does not match its digest (got ${got}, ${this.written} bytes)`);
    }
    this.verified = true;
  }

  /** Verifies (unless done) and renames the blob into place. */
  async commit(expectedSize?: number): Promise<void> {
    await this.verify(expectedSize);
    await rename(this.tmp, this.store.path(this.digest));
    this.committed = true;
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }
}

export class ContentStore {
  readonly blobDir: string;
  /** This process's own ingest dir, made on first use (others may be writing beside it). */
  readonly ingest: ProcessTemp;

  constructor(readonly root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingest = new ProcessTemp(join(root, 'ingest'));
  }

  /** Creates the directories; leftovers of interrupted downloads (dead processes) are dropped. */
  async open(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true, mode: 0o700 });
    await this.ingest.sweepDead();
  }

  async close(): Promise<void> {
    await this.ingest.close();
  }

  path(digest: string): string {
    if (!isDigest(digest)) throw new InvalidArgumentError(`invalid digest ${digest}`);
    return join(this.blobDir, digest.slice(7));
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  createReadStream(digest: string): ReadStream {
    return createReadStream(this.path(digest));
  }

  async writer(digest: string): Promise<BlobWriter> {
    return BlobWriter.create(this, digest);
  }

  /** Stores a small blob held in memory after checking its digest. */
  async put(digest: string, bytes: Uint8Array): Promise<void> {
    if (await this.has(digest)) return;
    const w = await this.writer(digest);
    try {
      await w.write(bytes);
      await w.commit(bytes.length);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async delete(digest: string): Promise<void> {
    await unlink(this.path(digest)).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }

  async list(): Promise<string[]> {
    return (await readdir(this.blobDir)).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => 'sha256:' + n);
  }

  /** Bytes and inodes of every stored blob. */
  async usage(): Promise<{ bytes: number; inodes: number }> {
    let bytes = 0;
    let inodes = 0;
    for (const name of await readdir(this.blobDir)) {
      try {
        const st = await stat(join(this.blobDir, name));
        bytes += st.blocks * 512;
        inodes++;
      } catch {
        // removed meanwhile
      }
    }
    return { bytes, inodes };
  }
}
