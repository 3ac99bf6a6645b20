// A seeded generator of hostile CRI requests: a valid request of the RPC with a few of its fields
// (any field of the message, at any depth, set or not in the base) replaced by values chosen to
// hurt: traversal, NUL, newlines, huge strings, paths of the state root and /proc, negative and
// overflowing numbers, unknown enum values. The message shapes come from the CRI proto itself, so
// every field of every request can be picked. Same seed, same requests.
import protobuf from 'protobufjs/light.js';
import { criDescriptorJson } from '../../src/gen/api-descriptor.js';

/** Every hostile name carries this, so a file it made anywhere is found by name. */
export const MARK = 'rkhostile';


export interface HostileContext {
  /** Existing paths hostile values aim at (the test's own tree): as they are and escaped with '..'. */
  paths: string[];
  /** The state roots: also paths inside them. */
  stateRoots: string[];
}

export function hostileStrings(ctx: HostileContext): string[] {
  const base = [
    '',
    '.',
    '..',
    '/',
    `../../${MARK}`,
    `../../../../../../${MARK}-t`,
    `/tmp/../${MARK}-abs`,
    `${MARK}/../../..`,
    `${MARK}\0nul`,
    `\0`,
    `${MARK}\nnewline=1`,
    `${MARK} space\ttab`,
    `%2e%2e%2f${MARK}`,
    `${MARK}${'é'.repeat(40)}`,
    '-1',
    '9223372036854775808',
    'CAP_SYS_ADMIN\0',
    '/proc',
    '/proc/self/root',
    '/sys/fs/cgroup',
    '/dev/../etc/shadow',
    `/${MARK}/./x//y/`,
    'x'.repeat(70_000),
  ];
  for (const p of [...ctx.paths, ...ctx.stateRoots]) base.push(p, `${p}/../${MARK}-p`);
  for (const p of ctx.stateRoots) base.push(`${p}/${MARK}`, `${p}/pods`);
  return base;
}

/** One 1 MiB string: costly, so the generator uses it rarely. */
export const HUGE = `${MARK}${'A'.repeat(1 << 20)}`;

const INT32 = [-1, -2147483648, 2147483647, 0, 65536, 70000];
const UINT32 = [0, 4294967295, 65536, 70000, 1];
const INT64 = ['-1', '-9223372036854775808', '9223372036854775807', '0', '18446744073709551615', '4294967296'];
const ENUM = [99, -1, 7, 2147483647];

let root: protobuf.Root | undefined;
export function criRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(JSON.parse(criDescriptorJson) as protobuf.INamespace);
  return root;
}

export function requestType(service: 'RuntimeService' | 'ImageService', rpc: string): protobuf.Type {
  const m = criRoot().lookupService(`runtime.v1.${service}`).methods[rpc]!;
  m.resolve();
  return m.resolvedRequestType!;
}

type Obj = Record<string, unknown>;

/** The paths of every field reachable from a type (bounded depth), e.g. config.linux.resources.cpu_shares. */
export function fieldPaths(t: protobuf.Type, depth = 5, prefix: string[] = []): { path: string[]; field: protobuf.Field }[] {
  const out: { path: string[]; field: protobuf.Field }[] = [];
  for (const f of t.fieldsArray) {
    f.resolve();
    const p = [...prefix, f.name];
    out.push({ path: p, field: f });
    if (f.resolvedType instanceof protobuf.Type && !f.map && depth > 0) out.push(...fieldPaths(f.resolvedType, depth - 1, p));
  }
  return out;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A hostile value for one field (a repeated/map field gets a few of them). */
export function hostileValue(r: () => number, f: protobuf.Field, strings: string[], allowHuge: boolean): unknown {
  const scalar = (): unknown => {
    if (f.resolvedType instanceof protobuf.Enum) return pick(r, ENUM);
    if (f.resolvedType instanceof protobuf.Type) return {};
    switch (f.type) {
      case 'string':
        return allowHuge && r() < 0.02 ? HUGE : pick(r, strings);
      case 'bytes':
        return Buffer.from(pick(r, strings));
      case 'bool':
        return r() < 0.5;
      case 'int32':
      case 'sint32':
        return pick(r, INT32);
      case 'uint32':
        return pick(r, UINT32);
      case 'int64':
      case 'sint64':
      case 'uint64':
        return f.type === 'uint64' ? pick(r, INT64.filter((v) => !v.startsWith('-'))) : pick(r, INT64.filter((v) => v !== '18446744073709551615'));
      case 'double':
      case 'float':
        return pick(r, [-1, 1e308, NaN, 0]);
      default:
        return pick(r, strings);
    }
  };
  if (f.map) {
    const m: Obj = {};
    for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++) m[pick(r, strings)] = f.type === 'string' ? pick(r, strings) : scalar();
    return m;
  }
  if (f.repeated) return Array.from({ length: 1 + Math.floor(r() * 3) }, scalar);
  return scalar();
}

/** A copy of `base` with `n` random fields of its type set to hostile values. */
export function mutate(r: () => number, t: protobuf.Type, base: Obj, strings: string[], n: number, allowHuge: boolean): { req: Obj; changed: string[] } {
  const req = structuredClone(base) as Obj;
  const paths = fieldPaths(t);
  const changed: string[] = [];
  for (let i = 0; i < n && paths.length; i++) {
    const { path, field } = pick(r, paths);
    let o = req;
    for (const k of path.slice(0, -1)) {
      if (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k])) o[k] = {};
      o = o[k] as Obj;
    }
    const v = hostileValue(r, field, strings, allowHuge);
    o[path[path.length - 1]!] = v;
    changed.push(`${path.join('.')}=${describe(v)}`);
  }
  return { req, changed };
}

export function describe(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && x.length > 60 ? `${x.slice(0, 20)}…(${x.length} chars)` : x));
  return (s ?? String(v)).slice(0, 200);
}
