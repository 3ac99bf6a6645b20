// What every scenario shares: the runtimes, the rows being filled, and the A/B alternation with
// warm-up and per-runtime failure isolation (a runtime that fails a scenario gets "n/a: <error>"
// on its rows; the other runtime carries on).
import type { BenchRuntime } from './runtimes.js';
import type { Row, RuntimeName, Target } from './report.js';
import { RUNTIMES } from './report.js';
import type { Settings } from './settings.js';
import { errorText, removeRunPods } from './pods.js';

export interface BenchImages {
  busybox: string;
  big: string;
  pause: string;
}

/** Set on SIGINT/SIGTERM: scenarios stop at the next round and leave the rest to clean-up. */
export const run = { aborted: false };

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export class BenchContext {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  constructor(
    readonly settings: Settings,
    readonly runtimes: BenchRuntime[],
    readonly runId: string,
    readonly logRoot: string,
    readonly images: BenchImages,
  ) {}

  row(id: string, title: string, unit: string, target?: Target): Row {
    const row: Row = { id, title, unit, cells: { containerd: { samples: [] }, rktlet: { samples: [] } } };
    if (target) row.target = target;
    for (const name of RUNTIMES) {
      if (!this.runtimes.some((r) => r.name === name)) row.cells[name].error = 'not run (BENCH_RUNTIMES)';
    }
    this.rows.push(row);
    return row;
  }

  add(row: Row, rt: RuntimeName, value: number): void {
    row.cells[rt].samples.push(value);
  }

  fail(rows: readonly Row[], rt: RuntimeName, err: unknown): void {
    const msg = errorText(err);
    for (const r of rows) r.cells[rt].error ??= msg;
  }

  /**
   * Warm-up rounds then counted rounds, each round running every runtime in turn (A B A B).
   * A runtime that throws is marked failed on `rows` and skipped for the rest of the scenario.
   */
  async alternate(
    rows: readonly Row[],
    rounds: number,
    warmup: number,
    fn: (rt: BenchRuntime, round: number, warm: boolean) => Promise<void>,
    skip: ReadonlySet<RuntimeName> = new Set(),
  ): Promise<void> {
    const failed = new Set<RuntimeName>(skip);
    for (let i = 0; i < warmup + rounds; i++) {
      for (const rt of this.runtimes) {
        if (run.aborted) throw new Error('interrupted');
        if (failed.has(rt.name)) continue;
        try {
          if (!rt.running) throw new Error(`${rt.name} is not running`);
          await fn(rt, i - warmup, i < warmup);
        } catch (err) {
          if (run.aborted) throw new Error('interrupted', { cause: err });
          failed.add(rt.name);
          this.fail(rows, rt.name, err);
          log(`${rt.name}: ${rows[0]?.title ?? ''}: ${errorText(err)}`);
          await this.recover(rt);
        }
      }
    }
  }

  /** After a failure: restart a dead daemon, remove what the run left in a live one. */
  async recover(rt: BenchRuntime): Promise<void> {
    try {
      if (!rt.running) {
        log(`${rt.name} is not running; starting it again`);
        await rt.start();
      }
      await removeRunPods(rt.client, this.runId);
    } catch (err) {
      log(`${rt.name}: clean-up after failure: ${errorText(err)}`);
    }
  }
}
