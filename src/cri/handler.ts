// The shape of one CRI method implementation, independent of the gRPC transport.
// Request types are the decoded (__Output) messages, responses the encodable ones.
import type { MethodDefinition } from '@grpc/proto-loader';
import type { Logger } from '../log/logger.js';
import type { Engine } from '../engine.js';
import type { RuntimeServiceDefinition } from '../gen/runtime/v1/RuntimeService.js';
import type { ImageServiceDefinition } from '../gen/runtime/v1/ImageService.js';

export interface CallContext {
  engine: Engine;
  log: Logger;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  rpc: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export type RequestIn<D> = D extends MethodDefinition<infer A, any, any, any> ? A : never;
export type ResponseIn<D> = D extends MethodDefinition<any, infer B, any, any> ? B : never;
export type RequestOut<D> = D extends MethodDefinition<any, any, infer C, any> ? C : never;
export type ResponseOut<D> = D extends MethodDefinition<any, any, any, infer E> ? E : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Server-streaming methods: the rest are unary. */
export const STREAMING_RPCS = [
  'StreamPodSandboxes',
  'StreamContainers',
  'StreamContainerStats',
  'StreamPodSandboxStats',
  'StreamPodSandboxMetrics',
  'GetContainerEvents',
  'StreamImages',
] as const;
export type StreamingRpc = (typeof STREAMING_RPCS)[number];

export type UnaryHandler<D> = (ctx: CallContext, req: RequestOut<D>) => Promise<ResponseIn<D>>;
export type StreamHandler<D> = (
  ctx: CallContext,
  req: RequestOut<D>,
  send: (res: ResponseIn<D>) => Promise<void>,
) => Promise<void>;

/** The method names of a service definition (without grpc's string index signature). */
export type MethodName<Def> = keyof { [K in keyof Def as string extends K ? never : K]: Def[K] } & keyof Def;

export type HandlerFor<Def, M extends keyof Def> = M extends StreamingRpc ? StreamHandler<Def[M]> : UnaryHandler<Def[M]>;
export type Handlers<Def> = { [M in MethodName<Def>]?: HandlerFor<Def, M> };

export type RuntimeRpc = MethodName<RuntimeServiceDefinition>;
export type ImageRpc = MethodName<ImageServiceDefinition>;
export type RuntimeHandlers = Handlers<RuntimeServiceDefinition>;
export type ImageHandlers = Handlers<ImageServiceDefinition>;
/** One RPC's request/response types by name, for handler files. */
export type RuntimeReq<M extends RuntimeRpc> = RequestOut<RuntimeServiceDefinition[M]>;
export type RuntimeRes<M extends RuntimeRpc> = ResponseIn<RuntimeServiceDefinition[M]>;
export type ImageReq<M extends ImageRpc> = RequestOut<ImageServiceDefinition[M]>;
export type ImageRes<M extends ImageRpc> = ResponseIn<ImageServiceDefinition[M]>;
