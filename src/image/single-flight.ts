// Concurrent callers asking for the same key share one run of the work (one download, one unpack).
// The work runs for as long as one caller still waits for it: a caller that gives up (its signal
// aborts) leaves at once, and the last one to leave cancels the work and waits for it to unwind,
// so that what it rolls back afterwards is no longer being written.
import { CancelledError } from '../errors/catalog.js';

interface Flight<T> {
  promise: Promise<T>;
  ac: AbortController;
  waiters: number;
}

export class SingleFlight<T> {
  private readonly inflight = new Map<string, Flight<T>>();

  run(key: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new CancelledError(`cancelled before ${key} was fetched`));
    let f = this.inflight.get(key);
    if (!f) {
      const ac = new AbortController();
      const flight: Flight<T> = { ac, waiters: 0, promise: Promise.resolve(undefined as T) };
      flight.promise = work(ac.signal).finally(() => {
        if (this.inflight.get(key) === flight) this.inflight.delete(key);
      });
      // Nobody may be left to see the outcome of a cancelled run.
      flight.promise.catch(() => undefined);
      this.inflight.set(key, flight);
      f = flight;
    }
    const flight = f;
    flight.waiters++;
    if (!signal) return flight.promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        flight.waiters--;
        if (flight.waiters > 0) return reject(new CancelledError(`gave up waiting for ${key}; the download goes on for the other callers`));
        // The last one: stop the work, and let a new caller start afresh rather than join it.
        if (this.inflight.get(key) === flight) this.inflight.delete(key);
        flight.ac.abort(new CancelledError(`every caller waiting for ${key} gave up`));
        const done = () => reject(new CancelledError(`cancelled while fetching ${key}`));
        flight.promise.then(done, done);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          // A caller that gave up has its answer already, or gets it from onAbort.
          if (!signal.aborted) reject(err);
        },
      );
    });
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }
}
