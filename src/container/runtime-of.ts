// The OCI runtime of a container or pod that exists already, from the runtimes registry.
import { FailedPreconditionError, InvalidArgumentError } from '../errors/catalog.js';
import type { OciRuntime } from '../oci/runtime.js';

/**
 * A handler taken out of the configuration since the object was made is the node's state, not
 * the request's fault: FAILED_PRECONDITION (the registry's INVALID_ARGUMENT is for requests).
 */
export function runtimeOf(deps: { runtime(handler: string): OciRuntime }, handler: string, what: string): OciRuntime {
  try {
    return deps.runtime(handler);
  } catch (err) {
    if (err instanceof InvalidArgumentError) {
      throw new FailedPreconditionError(`${what} uses runtime handler "${handler}", which is not configured`, { cause: err });
    }
    throw err;
  }
}
