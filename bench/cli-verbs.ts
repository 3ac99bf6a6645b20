// Start-up of the CLI verbs (issue 19): wall time of `node bin/rktlet VERB` from spawn to exit, p50
// of RUNS runs after one warm-up (which fills the compile and config caches), beside `node -e 0`,
// the floor no verb can go under. Read-only verbs should stay near the floor (they load no engine:
// src/cli/light-graph.test.ts); the rest add their own work.
// Usage: node dist/bench/cli-verbs.js [RUNS=20] [--root DIR --run-root DIR] (default: a fresh,
// empty state root of its own, removed at the end; name a populated one to measure real lists).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/util/package-info.js';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const own = flag('--root') ? undefined : mkdtempSync(join(tmpdir(), 'rktlet-cli-bench-'));
const roots = ['--root', flag('--root') ?? join(own!, 'root'), '--run-root', flag('--run-root') ?? join(own!, 'run')];
const bin = join(packageRoot, 'bin', 'rktlet');

const CASES: { name: string; argv: string[] }[] = [
  { name: 'node -e 0 (floor)', argv: ['-e', '0'] },
  { name: 'rktlet --version', argv: [bin, '--version'] },
  { name: 'rktlet ps -a', argv: [bin, 'ps', '-a', ...roots] },
  { name: 'rktlet pods', argv: [bin, 'pods', ...roots] },
  { name: 'rktlet images', argv: [bin, 'images', ...roots] },
  { name: 'rktlet inspect (none)', argv: [bin, 'inspect', 'nosuch', ...roots] },
  { name: 'rktlet app list (none)', argv: [bin, 'app', 'list', 'nosuch', ...roots] },
  { name: 'rktlet pod status (none, opens the engine)', argv: [bin, 'pod', 'status', 'nosuch', ...roots] },
];

function wallMs(argv: string[]): number {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, argv, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

try {
  console.log(`| verb | p50 ms | min | max |  (${runs} runs each, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log('|---|---|---|---|');
  for (const c of CASES) {
    wallMs(c.argv);
    const xs = Array.from({ length: runs }, () => wallMs(c.argv)).sort((a, b) => a - b);
    console.log(`| ${c.name} | ${xs[Math.floor(runs / 2)]!.toFixed(0)} | ${xs[0]!.toFixed(0)} | ${xs[runs - 1]!.toFixed(0)} |`);
  }
} finally {
  if (own) rmSync(own, { recursive: true, force: true });
}
