// Requests built in TypeScript give bytes fields as bytes. protobufjs's fromObject reads a string
// in a bytes field as base64 (the proto3 JSON mapping), so an environment value written as 'cri'
// would silently go out as the bytes 72 b8. Only messages that can hold a bytes field are walked.
import protobuf from 'protobufjs/light.js';

const holdsBytes = new Map<protobuf.Type, boolean>();

function typeHoldsBytes(t: protobuf.Type): boolean {
  let r = holdsBytes.get(t);
  if (r === undefined) {
    r = reaches(t, new Set());
    holdsBytes.set(t, r);
  }
  return r;
}

function reaches(t: protobuf.Type, seen: Set<protobuf.Type>): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  return t.fieldsArray.some((f) => {
    f.resolve();
    return f.type === 'bytes' || (f.resolvedType instanceof protobuf.Type && reaches(f.resolvedType, seen));
  });
}

/** Throws a TypeError naming the field when a bytes field of `value` (a `t` message) holds a string. */
export function assertBytesAreBytes(t: protobuf.Type, value: unknown, path = t.name): void {
  if (value === null || typeof value !== 'object' || !typeHoldsBytes(t)) return;
  const obj = value as Record<string, unknown>;
  for (const f of t.fieldsArray) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    const items = f.map ? Object.values(v as object) : f.repeated && Array.isArray(v) ? v : [v];
    items.forEach((item: unknown, i) => {
      const at = f.repeated || f.map ? `${path}.${f.name}[${i}]` : `${path}.${f.name}`;
      if (f.type === 'bytes' && typeof item === 'string') {
        throw new TypeError(`${at} is a bytes field: pass a Buffer or Uint8Array (a string would be read as base64)`);
      }
      if (f.resolvedType instanceof protobuf.Type) assertBytesAreBytes(f.resolvedType, item, at);
    });
  }
}
