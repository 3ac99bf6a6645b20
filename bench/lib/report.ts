// The benchmark report: one row per scenario with both runtimes' samples, rendered as Markdown
// (bench/results/*.md) and kept whole as JSON. Pure: no I/O here.
import { summarize, ratio, formatRatio, formatValue, type Summary } from './stats.js';

export const RUNTIMES = ['containerd', 'rktlet'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** One runtime's result for one row: samples, or why there are none. */
export interface Cell {
  samples: number[];
  error?: string;
}

export interface Target {
  /** Met when rktlet's median / containerd's median is at most this. */
  maxRatio?: number;
  /** Met when rktlet's median is at most this (in the row's unit). */
  maxValue?: number;
  text: string;
}

export interface Row {
  id: string;
  title: string;
  unit: string;
  cells: Record<RuntimeName, Cell>;
  target?: Target;
  note?: string;
}

export interface Report {
  date: string;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  settings: Record<string, string | number | boolean>;
  rows: Row[];
  notes: string[];
}

export interface CellView {
  summary?: Summary;
  error?: string;
}

export function cellView(c: Cell): CellView {
  if (c.samples.length === 0) return { error: c.error ?? 'not measured' };
  return { summary: summarize(c.samples), ...(c.error ? { error: c.error } : {}) };
}

export function rowRatio(row: Row): number | undefined {
  const r = cellView(row.cells.rktlet).summary?.median;
  const c = cellView(row.cells.containerd).summary?.median;
  return ratio(r, c);
}

/** true/false when the target can be judged, undefined when a figure is missing. */
export function targetMet(row: Row): boolean | undefined {
  const t = row.target;
  if (!t) return undefined;
  const rk = cellView(row.cells.rktlet).summary?.median;
  if (rk === undefined) return undefined;
  if (t.maxValue !== undefined && rk > t.maxValue) return false;
  if (t.maxRatio !== undefined) {
    const r = rowRatio(row);
    if (r === undefined) return undefined;
    if (r > t.maxRatio) return false;
  }
  return true;
}

/** Makes text safe inside a Markdown table cell and short enough to read there. */
export function cellText(s: string, max = 90): string {
  const flat = s.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function medianText(v: CellView, unit: string): string {
  if (!v.summary) return `n/a: ${cellText(v.error ?? '')}`;
  return formatValue(v.summary.median, unit);
}

function tailText(v: CellView, unit: string): string {
  if (!v.summary || v.summary.n < 2) return '—';
  const p95 = formatValue(v.summary.p95, unit);
  // p99 differs from p95 only with more than 20 samples (nearest rank).
  return v.summary.n > 20 ? `${p95} / ${formatValue(v.summary.p99, unit)}` : p95;
}

/** rktlet's p99 / containerd's p99, for rows with enough samples on both sides. */
export function p99Ratio(row: Row): number | undefined {
  const r = cellView(row.cells.rktlet).summary;
  const c = cellView(row.cells.containerd).summary;
  if (!r || !c || r.n <= 20 || c.n <= 20) return undefined;
  return ratio(r.p99, c.p99);
}

function ratioText(row: Row): string {
  const p99 = p99Ratio(row);
  return p99 === undefined ? formatRatio(rowRatio(row)) : `${formatRatio(rowRatio(row))} (p99 ${formatRatio(p99)})`;
}

function targetText(row: Row): string {
  if (!row.target) return '';
  const met = targetMet(row);
  const mark = met === undefined ? 'not judged' : met ? 'met' : 'missed';
  return `${row.target.text}: ${mark}`;
}

export function renderMarkdown(rep: Report): string {
  const out: string[] = [];
  out.push('# rktlet vs containerd: CRI benchmark', '');
  out.push(`Run ${rep.date} with \`npm run bench\` (bench/run.ts). Lower is better everywhere.`, '');
  out.push('## Machine and versions', '');
  for (const [k, v] of Object.entries(rep.machine)) out.push(`- ${k}: ${v}`);
  for (const [k, v] of Object.entries(rep.versions)) out.push(`- ${k}: ${v}`);
  out.push('', '## Settings', '');
  for (const [k, v] of Object.entries(rep.settings)) out.push(`- ${k}: ${v}`);
  out.push('', '## Results', '');
  out.push('| scenario | n (containerd / rktlet) | containerd median | containerd p95 (/ p99) | rktlet median | rktlet p95 (/ p99) | rktlet / containerd | issue 7 target |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rep.rows) {
    const c = cellView(row.cells.containerd);
    const r = cellView(row.cells.rktlet);
    const n = `${c.summary?.n ?? 0} / ${r.summary?.n ?? 0}`;
    out.push(
      `| ${cellText(row.title, 200)} | ${n} | ${medianText(c, row.unit)} | ${tailText(c, row.unit)} | ${medianText(r, row.unit)} | ${tailText(r, row.unit)} | ${ratioText(row)} | ${targetText(row)} |`,
    );
  }
  // One line per runtime and error, naming the rows it cost (a missing RPC fails many rows).
  const groups = new Map<string, string[]>();
  for (const row of rep.rows) {
    for (const rt of Object.keys(row.cells) as RuntimeName[]) {
      const cell = row.cells[rt];
      if (!cell.error) continue;
      const key = `${rt}\u0000${cell.error.replace(/\s+/g, ' ').trim()}`;
      groups.set(key, [...(groups.get(key) ?? []), `${row.title}${cell.samples.length ? ' (partial)' : ''}`]);
    }
  }
  const failures = [...groups].map(([key, titles]) => {
    const [rt, err] = key.split('\u0000');
    return `- **${rt}**: ${err}. Rows: ${titles.join('; ')}.`;
  });
  if (failures.length) out.push('', '## What failed and why', '', ...failures);
  const notes = [...rep.notes, ...rep.rows.filter((r) => r.note).map((r) => `${r.title}: ${r.note}`)];
  if (notes.length) out.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  out.push('');
  return out.join('\n');
}

/** The JSON form: raw samples plus the summaries the table shows. */
export function toJson(rep: Report): unknown {
  return {
    ...rep,
    rows: rep.rows.map((row) => ({
      ...row,
      summaries: Object.fromEntries((Object.keys(row.cells) as RuntimeName[]).map((rt) => [rt, cellView(row.cells[rt]).summary ?? null])),
      ratio: rowRatio(row) ?? null,
      p99Ratio: p99Ratio(row) ?? null,
      targetMet: targetMet(row) ?? null,
    })),
  };
}
