// The error catalog: every failure the engine reports is one of these classes, each with a stable
// code. Transport layers (gRPC, CLI) map codes to their own status in one place (grpc-status.ts).

export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'UNIMPLEMENTED'
  | 'DEADLINE_EXCEEDED'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'OCI_RUNTIME'
  | 'CONFIG'
  | 'INTERNAL';

export interface RktletErrorOptions {
  cause?: unknown;
}

export class RktletError extends Error {
  readonly code: ErrorCode = 'INTERNAL';
  constructor(message: string, options?: RktletErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends RktletError {
  override readonly code = 'NOT_FOUND';
}
export class AlreadyExistsError extends RktletError {
  override readonly code = 'ALREADY_EXISTS';
}
export class InvalidArgumentError extends RktletError {
  override readonly code = 'INVALID_ARGUMENT';
}
export class FailedPreconditionError extends RktletError {
  override readonly code = 'FAILED_PRECONDITION';
}
export class UnavailableError extends RktletError {
  override readonly code = 'UNAVAILABLE';
}
export class UnimplementedError extends RktletError {
  override readonly code = 'UNIMPLEMENTED';
}
export class DeadlineExceededError extends RktletError {
  override readonly code = 'DEADLINE_EXCEEDED';
}
export class PermissionDeniedError extends RktletError {
  override readonly code = 'PERMISSION_DENIED';
}
export class UnauthenticatedError extends RktletError {
  override readonly code = 'UNAUTHENTICATED';
}
export class ResourceExhaustedError extends RktletError {
  override readonly code = 'RESOURCE_EXHAUSTED';
}
export class CancelledError extends RktletError {
  override readonly code = 'CANCELLED';
}
export class InternalError extends RktletError {
  override readonly code = 'INTERNAL';
}

/** Configuration that cannot be used: names the offending key so the operator can fix it. */
export class ConfigError extends RktletError {
  override readonly code = 'CONFIG';
  constructor(
    readonly key: string,
    message: string,
    options?: RktletErrorOptions,
  ) {
    super(key ? `config key "${key}": ${message}` : message, options);
  }
}

/** The OCI runtime (runc/crun) or conmon failed: keeps its exit code and stderr for the caller. */
export class OciRuntimeError extends RktletError {
  override readonly code = 'OCI_RUNTIME';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: RktletErrorOptions,
  ) {
    super(stderr ? `${message}: ${stderr.trim()}` : message, options);
  }
}

/**
 * errno codes that mean the node ran out of something (disk space, quota, file descriptors,
 * memory), not that rktlet is broken: the kubelet sees RESOURCE_EXHAUSTED and can back off or
 * evict instead of treating it as a runtime bug.
 */
const EXHAUSTED_ERRNO: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files in the daemon',
  ENFILE: 'too many open files on the node',
  ENOMEM: 'out of memory',
};

/** Anything thrown that is not ours becomes INTERNAL (or RESOURCE_EXHAUSTED for ENOSPC and kin), keeping the original as cause. */
export function toRktletError(err: unknown): RktletError {
  if (err instanceof RktletError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const errno = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof errno === 'string' && errno in EXHAUSTED_ERRNO) return new ResourceExhaustedError(message, { cause: err });
  return new InternalError(message, { cause: err });
}

/**
 * The same for a failed write of `what` (a path or a description): the message names it, since
 * Node's own ("ENOSPC: no space left on device, write") does not.
 */
export function writeFailure(what: string, err: unknown): RktletError {
  if (err instanceof RktletError) return err;
  const errno = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof errno === 'string' && errno in EXHAUSTED_ERRNO) {
    return new ResourceExhaustedError(`cannot write ${what}: ${EXHAUSTED_ERRNO[errno]} (${errno})`, { cause: err });
  }
  return toRktletError(err);
}

/** Node's errno errors carry a code such as ENOENT. */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
