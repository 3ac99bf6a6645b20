import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown, targetMet, cellText, toJson, type Report, type Row } from './report.js';

function row(over: Partial<Row> & Pick<Row, 'cells'>): Row {
  return { id: 'x', title: 'RunPodSandbox', unit: 'ms', ...over };
}

const base: Report = {
  date: '2026-11-28T19:30:00.000Z',
  machine: { cpu: 'AMD EPYC', cores: 2 },
  versions: { node: 'v20.20.2', containerd: '1.6.20' },
  settings: { rounds: 20 },
  rows: [],
  notes: [],
};

test('a row with both runtimes shows medians, p95 and the ratio', () => {
  const md = renderMarkdown({
    ...base,
    rows: [row({ cells: { containerd: { samples: [100, 200, 300] }, rktlet: { samples: [50, 60, 70] } }, target: { maxRatio: 1, text: '≤ 1.00×' } })],
  });
  assert.match(md, /\| RunPodSandbox \| 3 \/ 3 \| 200 ms \| 300 ms \| 60\.0 ms \| 70\.0 ms \| 0\.30× \| ≤ 1\.00×: met \|/);
  assert.match(md, /- cpu: AMD EPYC/);
  assert.match(md, /- containerd: 1\.6\.20/);
});

test('a failed runtime says n/a with its error, and the error is listed in full', () => {
  const err = 'Unimplemented: RunPodSandbox | is not implemented yet\nsecond line';
  const md = renderMarkdown({ ...base, rows: [row({ cells: { containerd: { samples: [10] }, rktlet: { samples: [], error: err } } })] });
  assert.match(md, /\| 10\.0 ms \| — \| n\/a: Unimplemented: RunPodSandbox \\\| is not implemented yet second line \| — \| n\/a \|/);
  assert.match(md, /## What failed and why\n\n- \*\*rktlet\*\*: Unimplemented: RunPodSandbox \| is not implemented yet second line\. Rows: RunPodSandbox\./);
});

test('the same error on several rows is listed once, naming the rows', () => {
  const cells = () => ({ containerd: { samples: [1] }, rktlet: { samples: [], error: 'UNIMPLEMENTED' } });
  const md = renderMarkdown({ ...base, rows: [row({ title: 'A', cells: cells() }), row({ title: 'B', cells: cells() }), row({ title: 'C', cells: { containerd: { samples: [1] }, rktlet: { samples: [2], error: 'died' } } })] });
  assert.match(md, /- \*\*rktlet\*\*: UNIMPLEMENTED\. Rows: A; B\.\n- \*\*rktlet\*\*: died\. Rows: C \(partial\)\./);
});

test('targets: by ratio, by absolute value, not judged without figures', () => {
  const cells = { containerd: { samples: [100] }, rktlet: { samples: [30] } };
  assert.equal(targetMet(row({ cells, target: { maxRatio: 0.25, text: '' } })), false);
  assert.equal(targetMet(row({ cells, target: { maxRatio: 0.3, text: '' } })), true);
  assert.equal(targetMet(row({ cells, target: { maxValue: 20, text: '' } })), false);
  assert.equal(targetMet(row({ cells: { containerd: { samples: [] }, rktlet: { samples: [1] } }, target: { maxRatio: 1, text: '' } })), undefined);
  assert.equal(targetMet(row({ cells: { containerd: { samples: [1] }, rktlet: { samples: [], error: 'x' } }, target: { maxValue: 1, text: '' } })), undefined);
  assert.equal(targetMet(row({ cells })), undefined);
});

test('cell text is one line, pipe-escaped and shortened', () => {
  assert.equal(cellText('a|b\n c'), 'a\\|b c');
  assert.equal(cellText('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});

test('JSON keeps samples and adds summaries, ratio and target verdict', () => {
  const j = toJson({ ...base, rows: [row({ cells: { containerd: { samples: [2, 4] }, rktlet: { samples: [1, 3] } }, target: { maxRatio: 1, text: '' } })] }) as {
    rows: { summaries: { rktlet: { median: number } }; ratio: number; targetMet: boolean; cells: { containerd: { samples: number[] } } }[];
  };
  const r = j.rows[0]!;
  assert.equal(r.summaries.rktlet.median, 2);
  assert.equal(r.ratio, 2 / 3);
  assert.equal(r.targetMet, true);
  assert.deepEqual(r.cells.containerd.samples, [2, 4]);
});

test('rows with more than 20 samples a side also show p99 and the p99 ratio', () => {
  const xs = (k: number) => Array.from({ length: 100 }, (_, i) => (i + 1) * k);
  const md = renderMarkdown({ ...base, rows: [row({ cells: { containerd: { samples: xs(2) }, rktlet: { samples: xs(1) } } })] });
  assert.match(md, /\| 100 \/ 100 \| 101 ms \| 190 ms \/ 198 ms \| 50\.5 ms \| 95\.0 ms \/ 99\.0 ms \| 0\.50× \(p99 0\.50×\) \|/);
});
