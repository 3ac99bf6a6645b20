// The daemon's own Prometheus metrics (served at metrics.address when set): per-RPC latency and
// error counts, pods and containers by state, image pulls. Loaded only when metrics are served:
// the rest of the runtime records through `metrics` in ./registry.ts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { startEventLoopDelay } from './event-loop-delay.js';

export interface StateCounts {
  pods: Record<string, number>;
  containers: Record<string, number>;
}

const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const PULL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly rpcDuration: Histogram<'method'>;
  private readonly rpcTotal: Counter<'method' | 'code'>;
  private readonly rpcErrors: Counter<'method' | 'code'>;
  private readonly pullBytes: Counter;
  private readonly pulls: Counter<'result'>;
  private readonly pullDuration: Histogram<'result'>;
  private stateSource: (() => StateCounts | Promise<StateCounts>) | undefined;
  private defaultsOn = false;

  constructor() {
    const registers = [this.registry];
    this.rpcDuration = new Histogram({
      name: 'rktlet_cri_request_duration_seconds',
      help: 'Latency of CRI calls, by method.',
      labelNames: ['method'],
      buckets: RPC_BUCKETS,
      registers,
    });
    this.rpcTotal = new Counter({ name: 'rktlet_cri_requests_total', help: 'CRI calls answered, by method and gRPC status code.', labelNames: ['method', 'code'], registers });
    this.rpcErrors = new Counter({ name: 'rktlet_cri_request_errors_total', help: 'CRI calls answered with a status other than OK.', labelNames: ['method', 'code'], registers });
    this.pullBytes = new Counter({ name: 'rktlet_image_pull_bytes_total', help: 'Bytes downloaded by image pulls.', registers });
    this.pulls = new Counter({ name: 'rktlet_image_pulls_total', help: 'Image pulls, by result (success, failure).', labelNames: ['result'], registers });
    this.pullDuration = new Histogram({
      name: 'rktlet_image_pull_duration_seconds',
      help: 'Duration of image pulls, by result.',
      labelNames: ['result'],
      buckets: PULL_BUCKETS,
      registers,
    });
    // Collected at scrape time from the engine's indexes, so they are never stale.
    const source = () => this.stateSource;
    for (const kind of ['pods', 'containers'] as const) {
      new Gauge({
        name: `rktlet_${kind}`,
        help: `${kind === 'pods' ? 'Pod sandboxes' : 'Containers'} known to rktlet, by state.`,
        labelNames: ['state'],
        registers,
        async collect() {
          this.reset();
          const fn = source();
          if (!fn) return;
          const counts = await fn();
          for (const [state, n] of Object.entries(counts[kind])) this.set({ state }, n);
        },
      });
    }
  }

  /** A CallObserver for CriServer.observe(). */
  readonly observeCall = (rpc: string, seconds: number, code: number): void => {
    const name = GrpcStatus[code] ?? String(code);
    this.rpcDuration.observe({ method: rpc }, seconds);
    this.rpcTotal.inc({ method: rpc, code: name });
    if (code !== GrpcStatus.OK) this.rpcErrors.inc({ method: rpc, code: name });
  };

  /** One finished image pull: bytes downloaded and how long it took. */
  imagePull(bytes: number, seconds: number, ok = true): void {
    const result = ok ? 'success' : 'failure';
    if (bytes > 0) this.pullBytes.inc(bytes);
    this.pulls.inc({ result });
    this.pullDuration.observe({ result }, seconds);
  }

  /** Where the pods/containers-by-state gauges read from (the engine, once open). */
  setStateSource(fn: () => StateCounts | Promise<StateCounts>): void {
    this.stateSource = fn;
  }

  /** Adds Node's process metrics (memory, CPU, event loop lag and its histogram); only for a served registry. */
  enableProcessMetrics(): void {
    if (this.defaultsOn) return;
    this.defaultsOn = true;
    collectDefaultMetrics({ register: this.registry });
    startEventLoopDelay(this.registry);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
