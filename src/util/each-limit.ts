// Running async work over many items with a bound on how many are in flight: start-up recovery
// checks hundreds of pods and containers, each a few small file reads that wait on the thread pool.

/**
 * Calls fn for every item, at most `limit` at a time, and resolves once all have settled. The
 * first rejection is re-thrown after the others finished (none is left running behind the caller).
 */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let firstErr: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstErr = err;
        }
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw firstErr;
}
