// `rktlet pull`'s display. On a terminal, one line per layer and a total, redrawn in place (as
// docker and podman do); elsewhere (a pipe, a file, TERM=dumb) plain lines, one per layer when it
// is ready, with no control codes. Then the verdict: downloaded, or already up to date.
import type { PullLayer, PullObserver } from '../image/pull-observer.js';
import { humanBytes } from './human-bytes.js';

export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

type LayerState = { size: number; bytes: number; state: 'waiting' | 'downloading' | 'complete' | 'exists' };

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

/** Whether the display may use control codes: a terminal that is not TERM=dumb. */
export function isTerminal(out: ProgressSink, env: NodeJS.ProcessEnv = process.env): boolean {
  return out.isTTY === true && env.TERM !== 'dumb';
}

export class PullProgress implements PullObserver {
  private readonly layerStates = new Map<string, LayerState>();
  private drawn = 0;
  private lastDraw = 0;
  /** Whether any layer was downloaded by this pull. */
  downloaded = false;
  /** What the reference resolved to. */
  digest: string | undefined;

  constructor(
    private readonly out: ProgressSink,
    private readonly tty: boolean,
    /** Least milliseconds between two redraws while bytes arrive. */
    private readonly redrawMs = 100,
  ) {}

  resolved(digest: string, layers: PullLayer[]): void {
    this.digest = digest;
    for (const l of layers) if (!this.layerStates.has(l.digest)) this.layerStates.set(l.digest, { size: l.size, bytes: 0, state: 'waiting' });
    if (this.tty) this.draw();
  }

  layerBytes(digest: string, bytes: number): void {
    const l = this.layerStates.get(digest);
    if (!l) return;
    l.bytes = bytes;
    l.state = 'downloading';
    if (this.tty && Date.now() - this.lastDraw >= this.redrawMs) this.draw();
  }

  layerDone(digest: string, downloaded: boolean): void {
    const l = this.layerStates.get(digest);
    if (!l || l.state === 'complete' || l.state === 'exists') return;
    l.state = downloaded ? 'complete' : 'exists';
    if (downloaded) {
      l.bytes = l.size;
      this.downloaded = true;
    }
    if (this.tty) this.draw();
    else this.out.write(`${short(digest)}: ${downloaded ? `Pull complete (${humanBytes(l.size)})` : 'Already exists'}\n`);
  }

  /** The lines a terminal shows: each layer, then the total. */
  lines(): string[] {
    const out: string[] = [];
    let done = 0;
    let bytes = 0;
    let total = 0;
    for (const [digest, l] of this.layerStates) {
      const what = {
        waiting: 'Waiting',
        downloading: `Downloading  ${humanBytes(l.bytes)}/${humanBytes(l.size)}`,
        complete: 'Pull complete',
        exists: 'Already exists',
      }[l.state];
      out.push(`${short(digest)}: ${what}`);
      if (l.state === 'complete' || l.state === 'exists') done++;
      if (l.state !== 'exists') {
        bytes += l.bytes;
        total += l.size;
      }
    }
    out.push(`Layers ${done}/${this.layerStates.size}, downloaded ${humanBytes(bytes)}/${humanBytes(total)}`);
    return out;
  }

  /** Rewrites the block in place: up to its first line, then each line erased and written anew. */
  private draw(): void {
    this.lastDraw = Date.now();
    // A pty nobody sized reports 0 columns.
    const width = Math.max(20, (this.out.columns || 80) - 1);
    const lines = this.lines().map((l) => (l.length > width ? l.slice(0, width) : l));
    let s = this.drawn ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) s += `\x1b[2K\r${l}\n`;
    this.out.write(s);
    this.drawn = lines.length;
  }
}

/** The closing lines, as docker prints them: the digest and whether anything new came. */
export function pullVerdict(o: { ref: string; digest: string | undefined; newer: boolean }): string {
  return (o.digest ? `Digest: ${o.digest}\n` : '') + `Status: ${o.newer ? 'Downloaded newer image' : 'Image is up to date'} for ${o.ref}\n`;
}
