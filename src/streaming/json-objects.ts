// Splits a byte stream of concatenated JSON objects (what Go's json.Encoder writes on the resize
// stream: {"Width":80,"Height":24}\n…) into parsed objects, whatever the frame boundaries.

export class JsonObjectSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  constructor(private readonly maxBytes = 64 * 1024) {}

  /** Feeds bytes; returns the objects completed by them. Throws on garbage or oversize input. */
  push(chunk: Buffer | string): unknown[] {
    this.buf += chunk.toString();
    const out: unknown[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const c = this.buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{') {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === '}') {
        this.depth--;
        if (this.depth < 0) throw new Error('unbalanced JSON');
        if (this.depth === 0) {
          out.push(JSON.parse(this.buf.slice(this.start, i + 1)));
          this.buf = this.buf.slice(i + 1);
          i = -1;
          this.start = -1;
        }
      } else if (this.depth === 0 && !/\s/.test(c)) throw new Error(`unexpected ${JSON.stringify(c)} between JSON objects`);
    }
    this.scanned = this.buf.length;
    if (this.buf.length > this.maxBytes) throw new Error('JSON object too large');
    return out;
  }
}

/** A TerminalSize from the Kubernetes resize message ({"Width":…,"Height":…}). */
export function toTerminalSize(o: unknown): { width: number; height: number } | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as { Width?: unknown; Height?: unknown };
  if (typeof r.Width !== 'number' || typeof r.Height !== 'number') return undefined;
  return { width: r.Width, height: r.Height };
}
