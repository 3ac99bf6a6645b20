// The daemon's metrics, module-wide so any part of the runtime can record without plumbing:
// `metrics.imagePull(bytes, seconds)`. The Prometheus registry (prom-client, ./prom-registry.ts)
// is loaded only when the daemon serves metrics (metrics.address): until enable(), recordings are
// dropped, since nothing could read them.
import type { RuntimeMetrics } from './prom-registry.js';

export type { RuntimeMetrics, StateCounts } from './prom-registry.js';

export class Metrics {
  private impl: RuntimeMetrics | undefined;

  /** Loads the Prometheus registry (once) and starts recording into it. */
  async enable(): Promise<RuntimeMetrics> {
    if (!this.impl) {
      const { RuntimeMetrics } = await import('./prom-registry.js');
      this.impl ??= new RuntimeMetrics();
    }
    return this.impl;
  }

  /** The registry, once enabled. */
  get registry(): RuntimeMetrics | undefined {
    return this.impl;
  }

  /** One finished image pull: bytes downloaded and how long it took. */
  imagePull(bytes: number, seconds: number, ok = true): void {
    this.impl?.imagePull(bytes, seconds, ok);
  }
}

export const metrics = new Metrics();
