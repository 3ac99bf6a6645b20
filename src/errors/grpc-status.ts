// The one place where catalog codes become gRPC status codes.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type ErrorCode, toRktletError } from './catalog.js';

const byCode: Record<ErrorCode, GrpcStatus> = {
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  CANCELLED: GrpcStatus.CANCELLED,
  OCI_RUNTIME: GrpcStatus.UNKNOWN,
  CONFIG: GrpcStatus.FAILED_PRECONDITION,
  INTERNAL: GrpcStatus.INTERNAL,
};

export interface GrpcErrorStatus {
  code: GrpcStatus;
  details: string;
}

/**
 * The most of a message sent as grpc-message. Messages quote the request (an id, a name), and a
 * client's HTTP/2 header limit (Go's and Node's default: 16 KiB of headers) is far below what a
 * request may carry (16 MiB): a trailer over it breaks the client's whole connection, so every call
 * on it hangs until its deadline.
 */
export const MAX_DETAILS = 4096;

/** Text no longer than `max`, saying how long it was. */
export function clip(text: string, max = MAX_DETAILS): string {
  return text.length <= max ? text : `${text.slice(0, max - 40)}… (${text.length} characters)`;
}

export function toGrpcStatus(err: unknown): GrpcErrorStatus {
  const e = toRktletError(err);
  return { code: byCode[e.code], details: clip(e.message) };
}
