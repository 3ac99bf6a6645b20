// `node dist/bench/compare.js RUN.json...`: the kubelet-pattern rows of several bench runs side by
// side (containerd / rktlet = ratio of medians, and of p99s with more than 20 samples a side), for
// before/after comparisons like bench/results/2026-12-07-kubelet-pattern.md.
import { readFileSync } from 'node:fs';
import type { Summary } from './lib/stats.js';

interface JsonRow {
  id: string;
  title: string;
  unit: string;
  summaries: Record<'containerd' | 'rktlet', Summary | null>;
}
interface JsonReport {
  settings: Record<string, unknown>;
  rows: JsonRow[];
}

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const ratio = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined || y === 0 ? 'n/a' : `${(x / y).toFixed(2)}×`);

function cell(row: JsonRow | undefined): string {
  if (!row) return 'n/a';
  const c = row.summaries.containerd ?? undefined;
  const k = row.summaries.rktlet ?? undefined;
  if (!c) return fmt(k?.median);
  let s = `${fmt(c.median)} / ${fmt(k?.median)} = ${ratio(k?.median, c.median)}`;
  if (k && c.n > 20 && k.n > 20) s += `; p99 ${fmt(c.p99)} / ${fmt(k.p99)} = ${ratio(k.p99, c.p99)}`;
  return s;
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: node dist/bench/compare.js RUN.json...');
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as JsonReport);
const first = runs[0] as JsonReport;
const out = [`| kubelet pattern | ${files.map((f) => f.replace(/.*\//, '')).join(' | ')} |`, `| --- |${' --- |'.repeat(files.length)}`];
for (const row of first.rows.filter((r) => r.id.startsWith('kl-'))) {
  out.push(`| ${row.title.replace('kubelet pattern: ', '')} (${row.unit}) | ${runs.map((r) => cell(r.rows.find((x) => x.id === row.id))).join(' | ')} |`);
}
out.push('', `load average (1 min) at start / end: ${runs.map((r) => String(r.settings['load average (1 min) at start / end'])).join('; ')}`);
process.stdout.write(`${out.join('\n')}\n`);
