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

export function toGrpcStatus(err: unknown): GrpcErrorStatus {
  const e = toRktletError(err);
  return { code: byCode[e.code], details: e.message };
}
