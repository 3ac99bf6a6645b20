// `rktlet serve`: the CRI daemon. Pods and containers do not depend on it: stopping it (or
// killing it) leaves them running, and the next start finds them again from disk.
import type { Command } from 'commander';
import { stateConfig, type GlobalOptions } from './options.js';
import { createLogger } from '../log/logger.js';
import { Engine, warmHealthProbes } from '../engine.js';
import { CriServer } from '../server/grpc-server.js';
import { DaemonLock } from '../store/daemon-lock.js';
import { closeStateDirs } from '../store/private-state.js';
import { packageVersion } from '../util/package-info.js';
import { metrics } from '../metrics/registry.js';
import { countByState } from '../metrics/state-counts.js';
import { startMetricsEndpoint, type MetricsEndpoint } from '../metrics/http-endpoint.js';
import { closeEventStreams } from '../cri/container-events-get.js';
import { useCommandHelper } from '../util/command.js';
import { PYTHON } from '../oci/conmon-runtime/pty-relay.js';
import { preparePolicy } from '../image/trust/policy-file.js';
import { startNotifier } from '../systemd/notify.js';

export async function serve(opts: GlobalOptions): Promise<void> {
  const { config, sources } = stateConfig(opts);
  const log = createLogger(config.log.level);
  await closeStateDirs(config);
  await preparePolicy(config.image.signature_policy, log);
  const lock = await DaemonLock.acquire(config.root, config.grpc.socket);
  // Under systemd's Type=notify: READY=1 once the socket serves, STOPPING=1 when stopping
  // (first: it takes NOTIFY_SOCKET out of the environment every later child inherits).
  const notifier = startNotifier(PYTHON);
  // The first Status would otherwise wait for `runc --version` and `conmon --version`.
  warmHealthProbes(config, log);
  // Commands (mount, runc, CNI plugins…) start from a small helper: a fork of this process costs
  // milliseconds per MiB it holds (util/command.ts).
  useCommandHelper(true, PYTHON);
  let server: CriServer | undefined;
  let engine: Engine | undefined;
  let metricsEndpoint: MetricsEndpoint | undefined;
  try {
    const t0 = performance.now();
    engine = await Engine.open({ config, log });
    await engine.streaming.start();
    server = new CriServer({ config, log });
    if (config.metrics.address) {
      // prom-client is loaded only here, when metrics are served.
      const m = await metrics.enable();
      const e = engine;
      m.setStateSource(() => countByState(e));
      server.observe(m.observeCall);
      m.enableProcessMetrics();
      metricsEndpoint = await startMetricsEndpoint(config.metrics.address, m, log);
    }
    await server.listen();
    server.setEngine(engine);
    log.info(
      { version: packageVersion, socket: config.grpc.socket, root: config.root, config_files: sources, ready_ms: Math.round(performance.now() - t0) },
      'rktlet is serving',
    );
    const failed = await notifier.notify('READY=1');
    if (failed) log.warn({ error: failed }, 'could not tell systemd that rktlet is ready (NOTIFY_SOCKET)');
  } catch (err) {
    notifier.close();
    await metricsEndpoint?.close();
    await engine?.close();
    await lock.release();
    throw err;
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing calls in flight; pods and containers keep running');
    void (async () => {
      await notifier.notify('STOPPING=1');
      // Event streams never end on their own: close them so shutdown need not wait them out.
      if (engine) closeEventStreams(engine);
      await server?.shutdown();
      await metricsEndpoint?.close();
      await engine?.close();
      useCommandHelper(false);
      notifier.close();
      await lock.release();
      log.info('stopped');
      log.flush();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the CRI daemon on its unix socket')
    .action(async (_o, cmd: Command) => serve(cmd.optsWithGlobals<GlobalOptions>()));
}
