// How long the daemon's event loop was kept from running its timers: a cheap CRI call (Status,
// ImageStatus) waits this long behind whatever CPU work or synchronous I/O holds the loop. A
// Prometheus histogram (cumulative, so rates and quantiles over any window work), fed by a timer
// due every INTERVAL_MS that records how late it fired. prom-client's default metrics add the
// perf_hooks monitorEventLoopDelay figures (nodejs_eventloop_lag_p50/p99/max_seconds), which
// cover only the time since the previous scrape.
import { Histogram, type Registry } from 'prom-client';

export const INTERVAL_MS = 20;
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface LoopDelaySampler {
  /** Records one tick: `lateMs` after it was due. */
  observe(lateMs: number): void;
  stop(): void;
}

export function startEventLoopDelay(registry: Registry, intervalMs = INTERVAL_MS): LoopDelaySampler {
  const histogram = new Histogram({
    name: 'rktlet_event_loop_delay_seconds',
    help: `How late a timer due every ${intervalMs} ms ran: time the event loop spent on other work first (what a cheap call waits).`,
    buckets: BUCKETS,
    registers: [registry],
  });
  const observe = (lateMs: number) => histogram.observe(Math.max(0, lateMs) / 1000);
  let due = performance.now() + intervalMs;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    observe(now - due);
    due = now + intervalMs;
    timer = setTimeout(tick, intervalMs).unref();
  };
  timer = setTimeout(tick, intervalMs).unref();
  return { observe, stop: () => clearTimeout(timer) };
}
