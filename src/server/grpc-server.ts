// The gRPC transport: both CRI services on one unix socket. It knows nothing about pods or
// images; every call goes through the instrument layer to a handler from cri/registry.ts.
import { Server, ServerCredentials, type UntypedServiceImplementation, type ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import type { Engine } from '../engine.js';
import type { Config } from '../config/schema.js';
import { criProto } from './proto.js';
import { runtimeHandlers, imageHandlers, STATELESS_RPCS } from '../cri/registry.js';
import { STREAMING_RPCS } from '../cri/handler.js';
import { unary, serverStream, unimplemented, type CallObserver, type InstrumentDeps } from './instrument.js';
import { prepareSocketPath, secureSocket } from './unix-socket.js';
import { preferWire } from './wire.js';

function implement(
  deps: InstrumentDeps,
  serviceName: string,
  definition: ServiceDefinition,
  handlers: Record<string, unknown>,
): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [rpc, method] of Object.entries(definition)) {
    const streaming = method.responseStream;
    if (streaming !== (STREAMING_RPCS as readonly string[]).includes(rpc)) {
      throw new Error(`proto and STREAMING_RPCS disagree about ${rpc}`);
    }
    const h = handlers[rpc];
    if (typeof h !== 'function') impl[rpc] = unimplemented(deps, serviceName, rpc, streaming);
    else if (streaming) impl[rpc] = serverStream(deps, rpc, h as Parameters<typeof serverStream>[2]);
    else impl[rpc] = unary(deps, rpc, h as Parameters<typeof unary>[2], !STATELESS_RPCS.has(rpc));
  }
  return impl;
}

export interface CriServerOptions {
  config: Config;
  log: Logger;
}

export class CriServer {
  private readonly server: Server;
  private engine: Engine | undefined;
  private readonly deps: InstrumentDeps;

  constructor(private readonly opts: CriServerOptions) {
    const maxBytes = opts.config.grpc.max_message_bytes;
    this.server = new Server({
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
      // channelz (grpc-js's introspection service, which rktlet does not serve) would count and
      // time-stamp every call and message, and keep a trace per server and session.
      'grpc.enable_channelz': 0,
    });
    this.deps = { engine: () => this.engine, log: opts.log, observers: [], inflight: new Set() };
    const proto = criProto().runtime.v1;
    // Responses that carry their own encoding (cached list items, server/wire.ts) are sent as is.
    const runtime = preferWire(proto.RuntimeService.service);
    const image = preferWire(proto.ImageService.service);
    this.server.addService(runtime, implement(this.deps, 'runtime.v1.RuntimeService', runtime, runtimeHandlers));
    this.server.addService(image, implement(this.deps, 'runtime.v1.ImageService', image, imageHandlers));
  }

  /** Called for every finished call (metrics). */
  observe(o: CallObserver): void {
    this.deps.observers.push(o);
  }

  /** Listens on the socket. Calls answer UNAVAILABLE until setEngine() (after recovery). */
  async listen(): Promise<void> {
    const { socket, socket_mode, socket_group } = this.opts.config.grpc;
    await prepareSocketPath(socket);
    // Create the socket with no group/other access; it is opened up to socket_mode only after chmod.
    const oldMask = process.umask(0o077);
    try {
      await new Promise<number>((resolve, reject) =>
        this.server.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
      );
    } finally {
      process.umask(oldMask);
    }
    await secureSocket(socket, socket_mode, socket_group);
  }

  setEngine(engine: Engine): void {
    this.engine = engine;
  }

  /** Stops accepting calls, waits for those in flight (up to graceMs), then closes. */
  async shutdown(graceMs = 10_000): Promise<void> {
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([drained, timer])) === 'timeout') {
      this.opts.log.warn({ inflight: this.deps.inflight.size }, 'calls still running after grace period; closing');
      this.server.forceShutdown();
    }
  }
}
