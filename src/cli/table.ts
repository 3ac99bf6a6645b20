// Output helpers every verb shares (tables, times, JSON), kept apart from the engine so that
// the read-only verbs that print them load nothing heavy (src/cli/light-graph.test.ts).

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')).join('\n') + '\n';
}

/** Nanoseconds since the epoch as an ISO time (second precision). */
export function isoTime(ns: string | number | bigint): string {
  const n = BigInt(ns);
  if (n === 0n) return '-';
  return new Date(Number(n / 1_000_000n)).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** Commander's collector for a flag given several times. */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}
