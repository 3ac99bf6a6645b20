// Reading a file that another side (the guest, through the 9p share) is still appending to: the
// bytes added since the last read, from a remembered offset.
import { constants, open } from 'node:fs/promises';

export class FileFollower {
  private offset = 0;

  constructor(readonly file: string) {}

  /** Skips what is there now (a follower that starts at the end). */
  async skipToEnd(): Promise<void> {
    this.offset = await this.size();
  }

  private async size(): Promise<number> {
    const fh = await open(this.file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!fh) return 0;
    try {
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  }

  /** New bytes (empty when none); a file that shrank (replaced) is read again from its start. */
  async read(): Promise<Buffer> {
    const fh = await open(this.file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!fh) return Buffer.alloc(0);
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) this.offset = 0;
      if (size === this.offset) return Buffer.alloc(0);
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
}
