// zstd layer decompression in a `zstd -d` child process (Debian's zstd package): Node 20's zlib
// has no zstd, and the pure-JS decoder it replaces (fzstd) decoded on the event loop with
// whatever window a frame asked for, so one hostile layer froze or bloated the daemon.
//
// The child streams: compressed bytes go to its stdin as they arrive, its stdout is read only as
// fast as the tar unpacker consumes it (pipe backpressure stops the child), and `--memory` makes
// it refuse frames whose window is larger than the configured bound (as containerd refuses them
// with "window size exceeded"). zstd(1) also decodes gzip, xz and lz4 frames it finds in the
// stream, xz with no memory limit of its own, so `prlimit --as` (util-linux) caps the child's
// address space at twice the window plus 64 MiB whatever the data. None of it is the daemon's.
//
// Spawned directly, not through util/command.ts: that helper runs a command to completion and
// hands back its capped output, while a decompressor's stdin and stdout must stay open pipes for
// the whole layer. One fork per zstd layer is small beside the layer's download.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError } from '../errors/catalog.js';

export interface ZstdOptions {
  /** Frames declaring a larger window are refused (zstd's `--memory`). */
  maxWindowBytes: number;
  /** The config key that sets maxWindowBytes, named when a frame exceeds it. */
  windowKey?: string;
  /** What is decompressed, for messages ("layer sha256:…"). */
  what?: string;
  /** The zstd program (default: `zstd` on PATH). */
  bin?: string;
}

const STDERR_CAP = 4096;
/**
 * Address space for zstd beside twice its window: code, libraries, thread stacks and arenas.
 * Measured minimums with zstd 1.5.4: 28 MiB at a 1 MiB window, 88 MiB at 64 MiB, 216 MiB at 128 MiB.
 */
const CHILD_OVERHEAD = 64 * 1024 * 1024;

/** zstd's complaint as one of ours: a window over the bound is the limit's refusal, else bad data. */
export function zstdFailure(stderr: string, o: ZstdOptions): Error {
  const said = stderr
    .split('\n')
    .map((l) => l.replace(/^zstd: /, '').replace(/^\/\*stdin\*\\ ?: ?/, '').trim())
    .filter(Boolean)
    .join('; ');
  const what = o.what ?? 'layer';
  const win = /Window size larger than maximum : (\d+) > (\d+)/.exec(stderr);
  if (/failed to execute/.test(stderr)) {
    return new FailedPreconditionError(`${what} is zstd-compressed, which needs the zstd program (Debian package zstd): ${said}`);
  }
  if (win || /too much memory/.test(stderr)) {
    const size = win ? `a ${win[1]}-byte window` : /Window log larger than/.test(stderr) ? "a window beyond zstd's 2 GiB maximum" : 'a window';
    return new ResourceExhaustedError(
      `${what}: its zstd frame needs ${size}, larger than ${o.windowKey ?? 'the window limit'} (${o.maxWindowBytes} bytes) allows (window size exceeded); refused`,
    );
  }
  if (/Allocation error|not enough memory|lzma_code decoding error 5/.test(stderr)) {
    return new ResourceExhaustedError(`${what}: decompressing it needs more memory than ${o.windowKey ?? 'the window limit'} (${o.maxWindowBytes} bytes) allows for it; refused: ${said}`);
  }
  return new InvalidArgumentError(`${what} is not valid zstd data: ${said || 'zstd failed'}`);
}

class ZstdChild extends Duplex {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = '';
  private ended = false;

  constructor(private readonly o: ZstdOptions) {
    super();
    // --memory takes KiB with a KB suffix; round up so a window of exactly the bound passes.
    const kib = Math.max(1, Math.ceil(o.maxWindowBytes / 1024));
    const as = `--as=${2 * o.maxWindowBytes + CHILD_OVERHEAD}`;
    this.child = spawn('prlimit', [as, '--', o.bin ?? 'zstd', '-d', '-c', '-q', `--memory=${kib}KB`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = this.child;
    c.on('error', (err: NodeJS.ErrnoException) => {
      const e = err.code === 'ENOENT' ? new FailedPreconditionError('zstd layers need prlimit (Debian package util-linux), which is not installed') : err;
      this.destroy(e);
    });
    // Writes after zstd gave up fail with EPIPE: its exit status tells what went wrong.
    c.stdin.on('error', () => undefined);
    c.stderr.on('data', (b: Buffer) => {
      if (this.stderr.length < STDERR_CAP) this.stderr += b.toString('utf8', 0, STDERR_CAP - this.stderr.length);
    });
    c.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) c.stdout.pause();
    });
    c.on('close', (code, signal) => {
      this.ended = true;
      if (this.destroyed) return;
      if (code === 0) this.push(null);
      else this.destroy(this.stderr ? zstdFailure(this.stderr, this.o) : new InvalidArgumentError(`${this.o.what ?? 'layer'}: zstd ended with ${signal ?? `exit code ${code}`}`));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // The callback waits until the pipe took the bytes: a slow child slows the download.
    if (this.ended || !this.child.stdin.writable) return cb();
    this.child.stdin.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.ended) this.child.kill('SIGKILL');
    this.child.stdout.destroy();
    cb(err);
  }
}

/** A duplex stream: zstd frames in, the decompressed bytes out. */
export function createZstdDecompress(o: ZstdOptions): Duplex {
  return new ZstdChild(o);
}
