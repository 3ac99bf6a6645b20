// Responses that carry their own wire form (kept apart from the gRPC layer: the CRI handlers
// attach it, the server's serializers read it). A list response is its items' encodings one after
// another (a repeated field is a run of tagged, length-prefixed items), so a handler can keep the
// encoding of each listed record and skip re-encoding hundreds of unchanged items per call:
// protobufjs' fromObject + encode of 300 containers costs milliseconds, joining cached frames
// microseconds. The plain object stays the response for any serializer that does not look.
const WIRE = Symbol('rktlet.wire');

type Carrier = { [WIRE]?: () => Buffer };

/** Attaches `wire` (called at most once, at serialization) as the encoding of `res`. */
export function withWire<T extends object>(res: T, wire: () => Buffer): T {
  Object.defineProperty(res, WIRE, { value: wire, enumerable: false });
  return res;
}

/** The attached encoding of a response, if any. */
export function wireOf(res: unknown): Buffer | undefined {
  if (typeof res !== 'object' || res === null) return undefined;
  const w = (res as Carrier)[WIRE];
  return w ? w() : undefined;
}

/**
 * Encodings of list items, remembered per key object while `version` stays the same. `encode`
 * turns one item into its frame: the list response's serializer applied to a one-item list.
 */
export class FrameCache<K extends object, V, I> {
  private readonly entries = new WeakMap<K, { version: V; item: I; frame?: Buffer }>();

  constructor(
    private readonly convert: (key: K) => I,
    private readonly encode: (item: I) => Buffer,
  ) {}

  /** The converted item for `key`, converted again only when `version` changed. */
  item(key: K, version: V): I {
    return this.entry(key, version).item;
  }

  /** The list response's encoding for these keys (each item encoded once per version). */
  frames(keys: readonly K[], versions: (key: K) => V): Buffer {
    const parts = keys.map((k) => {
      const e = this.entry(k, versions(k));
      e.frame ??= this.encode(e.item);
      return e.frame;
    });
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private entry(key: K, version: V): { version: V; item: I; frame?: Buffer } {
    let e = this.entries.get(key);
    if (!e || e.version !== version) {
      e = { version, item: this.convert(key) };
      this.entries.set(key, e);
    }
    return e;
  }
}
