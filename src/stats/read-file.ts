// Reading a cgroup or /proc file that may not exist (a controller not enabled, an old kernel, a
// cgroup just removed): undefined instead of an error, so a sample carries what the host offers.
//
// Read synchronously, on purpose: these are kernel pseudo-files (no disk behind them), each read
// a few microseconds, where an async readFile costs four thread-pool round trips (open, fstat,
// read, close). A ListContainerStats over 100 containers reads ~2000 of them: asynchronously they
// queued ahead of every other call's file I/O in libuv's 4-thread pool (Status waited seconds
// behind the stats calls, issue 19). The callers yield to the event loop between containers
// (yieldToLoop), so no call waits behind more than one container's reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readPseudoFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function readOptional(dir: string | undefined, name: string): Promise<string | undefined> {
  if (!dir) return undefined;
  return readPseudoFile(join(dir, name));
}

/** Lets timers, I/O callbacks and other calls run before the next container's reads. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
