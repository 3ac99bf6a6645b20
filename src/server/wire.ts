// The gRPC side of responses that carry their own wire form (src/util/wire-form.ts): the
// serializers that send an attached encoding as it is.
import type { ServiceDefinition } from '@grpc/grpc-js';
import { wireOf } from '../util/wire-form.js';

/** The same service with response serializers that use an attached encoding when there is one. */
export function preferWire<D extends ServiceDefinition>(def: D): D {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(def)) {
    const serialize = m.responseSerialize;
    out[name] = { ...m, responseSerialize: (v: unknown) => wireOf(v) ?? serialize(v) };
  }
  return out as D;
}
