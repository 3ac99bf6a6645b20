// A CRI client in TypeScript, speaking the same wire protocol as crictl and the kubelet.
// Used by the tests, the benchmarks and the CLI. Requests take the loose (input) message types;
// responses come back decoded with defaults filled in.
import { credentials, status, type Client, type ServiceError, type ClientReadableStream, Metadata } from '@grpc/grpc-js';
import { criProto } from '../server/proto.js';
import type { RuntimeServiceClient, RuntimeServiceDefinition } from '../gen/runtime/v1/RuntimeService.js';
import type { ImageServiceClient, ImageServiceDefinition } from '../gen/runtime/v1/ImageService.js';
import type { MethodName, RequestIn, ResponseOut, StreamingRpc } from '../cri/handler.js';

type Unary<Def> = Exclude<MethodName<Def>, StreamingRpc>;

/**
 * A request type whose bytes fields take bytes only. The generated input types also allow a
 * string there, which protobufjs reads as base64: an environment value given as 'cri' would go
 * out as the two bytes 72 b8. Callers pass Buffer.from(text) instead.
 */
type Bytes = Buffer | Uint8Array | string;
type NoNull<T> = Exclude<T, null | undefined>;
export type StrictBytes<T> = [NoNull<T>] extends [Bytes]
  ? [string] extends [NoNull<T>]
    ? [Buffer] extends [NoNull<T>]
      ? Uint8Array | Extract<T, null | undefined>
      : T
    : T
  : T extends readonly (infer U)[]
    ? StrictBytes<U>[]
    : T extends object
      ? { [K in keyof T]: StrictBytes<T[K]> }
      : T;
type Req<D> = StrictBytes<RequestIn<D>>;
type Streaming<Def> = Extract<MethodName<Def>, StreamingRpc>;

export interface CallOptions {
  /** Milliseconds until the call is abandoned with DEADLINE_EXCEEDED (default 2 minutes). */
  timeoutMs?: number;
}

type AnyMethod = (arg: unknown, meta: Metadata, opts: { deadline: Date }, cb?: (err: ServiceError | null, res: unknown) => void) => unknown;

export class CriClient {
  readonly runtimeClient: RuntimeServiceClient;
  readonly imageClient: ImageServiceClient;
  private closed = false;

  constructor(readonly socket: string) {
    const proto = criProto().runtime.v1;
    const address = socket.startsWith('unix:') ? socket : `unix://${socket}`;
    const opts = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
    this.runtimeClient = new proto.RuntimeService(address, credentials.createInsecure(), opts);
    this.imageClient = new proto.ImageService(address, credentials.createInsecure(), opts);
  }

  private callUnary(client: Client, method: string, req: unknown, o?: CallOptions): Promise<unknown> {
    // grpc-js throws a code-less "Channel has been shut down" for a call on a closed client. A
    // caller whose second call of a sequence raced close() (the chaos test closes the client of a
    // daemon it kills) must see what a kubelet sees when its runtime goes away: UNAVAILABLE.
    if (this.closed) return Promise.reject(Object.assign(new Error(`14 UNAVAILABLE: ${method}: the client was closed`), { code: status.UNAVAILABLE }));
    const fn = (client as unknown as Record<string, AnyMethod>)[method];
    if (!fn) return Promise.reject(new Error(`no such CRI method ${method}`));
    const deadline = new Date(Date.now() + (o?.timeoutMs ?? 120_000));
    return new Promise((resolve, reject) => {
      fn.call(client, req, new Metadata(), { deadline }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /** A unary RuntimeService call, e.g. `runtime('Version', {})`. */
  runtime<M extends Unary<RuntimeServiceDefinition>>(
    method: M,
    req: Req<RuntimeServiceDefinition[M]>,
    o?: CallOptions,
  ): Promise<ResponseOut<RuntimeServiceDefinition[M]>> {
    return this.callUnary(this.runtimeClient, method as string, req, o) as Promise<ResponseOut<RuntimeServiceDefinition[M]>>;
  }

  /** A unary ImageService call, e.g. `image('PullImage', { image: { image: 'busybox' } })`. */
  image<M extends Unary<ImageServiceDefinition>>(
    method: M,
    req: Req<ImageServiceDefinition[M]>,
    o?: CallOptions,
  ): Promise<ResponseOut<ImageServiceDefinition[M]>> {
    return this.callUnary(this.imageClient, method as string, req, o) as Promise<ResponseOut<ImageServiceDefinition[M]>>;
  }

  /** A server-streaming RuntimeService call; iterate the result with `for await`. */
  runtimeStream<M extends Streaming<RuntimeServiceDefinition>>(
    method: M,
    req: Req<RuntimeServiceDefinition[M]>,
    o?: CallOptions,
  ): ClientReadableStream<ResponseOut<RuntimeServiceDefinition[M]>> {
    return this.openStream(this.runtimeClient, method as string, req, o) as ClientReadableStream<ResponseOut<RuntimeServiceDefinition[M]>>;
  }

  imageStream<M extends Streaming<ImageServiceDefinition>>(
    method: M,
    req: Req<ImageServiceDefinition[M]>,
    o?: CallOptions,
  ): ClientReadableStream<ResponseOut<ImageServiceDefinition[M]>> {
    return this.openStream(this.imageClient, method as string, req, o) as ClientReadableStream<ResponseOut<ImageServiceDefinition[M]>>;
  }

  private openStream(client: Client, method: string, req: unknown, o?: CallOptions): unknown {
    const fn = (client as unknown as Record<string, AnyMethod>)[method];
    if (!fn) throw new Error(`no such CRI method ${method}`);
    const deadline = new Date(Date.now() + (o?.timeoutMs ?? 24 * 3600_000));
    return fn.call(client, req, new Metadata(), { deadline });
  }

  /** Collects a whole stream (for bounded answers such as StreamPodSandboxes). */
  static async collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of stream) out.push(item as T);
    return out;
  }

  close(): void {
    this.closed = true;
    this.runtimeClient.close();
    this.imageClient.close();
  }
}
