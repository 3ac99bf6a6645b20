// The CRI log format, one record per line: "<RFC3339Nano> <stdout|stderr> <P|F> <text>".
// P marks a partial line (a long line split into pieces), F the final piece.

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  time: string;
  stream: LogStream;
  partial: boolean;
  text: string;
}

const LINE = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s;

export function parseLogLine(line: string): LogRecord | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as LogStream, partial: m[3] === 'P', text: m[4]! };
}

/** Splits a line of output into records of at most `max` bytes of text, P-tagged but the last. */
export function formatLogLines(time: string, stream: LogStream, line: string, max = 16 * 1024): string[] {
  const buf = Buffer.from(line);
  const out: string[] = [];
  for (let i = 0; i < buf.length || out.length === 0; i += max) {
    const piece = buf.subarray(i, i + max);
    const last = i + max >= buf.length;
    out.push(`${time} ${stream} ${last ? 'F' : 'P'} ${piece.toString()}\n`);
  }
  return out;
}

/** Whole lines from records: joins P pieces with the F that ends them. */
export function joinLogRecords(records: LogRecord[]): { stream: LogStream; time: string; text: string }[] {
  const out: { stream: LogStream; time: string; text: string }[] = [];
  const pending = new Map<LogStream, { time: string; text: string }>();
  for (const r of records) {
    const p = pending.get(r.stream);
    const text = (p?.text ?? '') + r.text;
    if (r.partial) pending.set(r.stream, { time: p?.time ?? r.time, text });
    else {
      pending.delete(r.stream);
      out.push({ stream: r.stream, time: p?.time ?? r.time, text });
    }
  }
  return out;
}

/** Parses a whole log file's content (lines that do not parse are skipped). */
export function parseLog(content: string): LogRecord[] {
  return content
    .split('\n')
    .filter(Boolean)
    .map(parseLogLine)
    .filter((r): r is LogRecord => r !== undefined);
}
