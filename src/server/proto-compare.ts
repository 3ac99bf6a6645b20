// Compares two .proto files declaration by declaration, ignoring comments and layout: what the
// wire and the generated code depend on (syntax, package, imports, file options; every service
// and rpc with its types, streaming and options; every message with its fields' names, numbers,
// types, labels, map keys, oneofs, options and reserved ranges; every enum value and number), and
// the order of declarations. Used to hold proto/runtime/v1/api.proto to the upstream copy in
// proto/upstream/ (proto-upstream.test.ts).
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** One line per declared fact, keyed by where it is (e.g. "message runtime.v1.KeyValue field value"). */
export type ProtoFacts = Map<string, string>;

const show = (v: unknown): string => JSON.stringify(v ?? null);

/** Options as protobufjs keeps them, in a stable order. */
function opts(o: Record<string, unknown> | undefined): string {
  return show(Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b))));
}

/** The text with comments removed (string literals kept), for the few facts protobufjs drops. */
function uncommented(text: string): string {
  return text.replace(/"(?:\\.|[^"\\])*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (m.startsWith('"') ? m : ' '));
}

function typeName(f: protobuf.Field): string {
  return f.resolvedType ? f.resolvedType.fullName.replace(/^\./, '') : f.type;
}

function addType(t: protobuf.Type, out: ProtoFacts): void {
  const at = `message ${t.fullName.slice(1)}`;
  out.set(`${at}`, `options ${opts(t.options)} reserved ${show(t.reserved)}`);
  out.set(`${at} field order`, t.fieldsArray.map((f) => f.name).join(','));
  for (const f of t.fieldsArray) {
    const label = f.map ? `map<${(f as unknown as protobuf.MapField).keyType}>` : f.repeated ? 'repeated' : f.optional && f.options?.proto3_optional ? 'optional' : 'singular';
    out.set(`${at} field ${f.name}`, `${f.id} ${label} ${typeName(f)} oneof=${f.partOf?.name ?? ''} options ${opts(f.options)}`);
  }
  for (const o of t.oneofsArray) out.set(`${at} oneof ${o.name}`, `${o.oneof.join(',')} options ${opts(o.options)}`);
}

function addEnum(e: protobuf.Enum, out: ProtoFacts): void {
  const at = `enum ${e.fullName.slice(1)}`;
  out.set(at, `options ${opts(e.options)} reserved ${show(e.reserved)}`);
  out.set(`${at} value order`, Object.keys(e.values).join(','));
  for (const [name, n] of Object.entries(e.values)) out.set(`${at} value ${name}`, `${n} options ${opts(e.valuesOptions?.[name])}`);
}

function addService(s: protobuf.Service, out: ProtoFacts): void {
  const at = `service ${s.fullName.slice(1)}`;
  out.set(at, `options ${opts(s.options)}`);
  out.set(`${at} rpc order`, s.methodsArray.map((m) => m.name).join(','));
  for (const m of s.methodsArray) {
    m.resolve();
    const req = `${m.requestStream ? 'stream ' : ''}${m.resolvedRequestType?.fullName.slice(1) ?? m.requestType}`;
    const res = `${m.responseStream ? 'stream ' : ''}${m.resolvedResponseType?.fullName.slice(1) ?? m.responseType}`;
    out.set(`${at} rpc ${m.name}`, `(${req}) returns (${res}) options ${opts(m.options)}`);
  }
}

function walk(ns: protobuf.NamespaceBase, out: ProtoFacts): void {
  const order: string[] = [];
  for (const obj of ns.nestedArray) {
    order.push(obj.name);
    if (obj instanceof protobuf.Type) addType(obj, out);
    else if (obj instanceof protobuf.Enum) addEnum(obj, out);
    else if (obj instanceof protobuf.Service) addService(obj, out);
    else if (obj instanceof protobuf.Namespace) out.set(`package ${obj.fullName.slice(1)}`, `options ${opts(obj.options)}`);
    if (obj instanceof protobuf.Namespace || obj instanceof protobuf.Type) walk(obj, out);
  }
  out.set(`${ns.fullName ? ns.fullName.slice(1) : '(root)'} declaration order`, order.join(','));
}

/** Every declared fact of one .proto file (imports are not followed: both files stand alone). */
export function protoFacts(file: string): ProtoFacts {
  const text = uncommented(readFileSync(file, 'utf8'));
  const out: ProtoFacts = new Map();
  out.set('syntax', /\bsyntax\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? '(none)');
  out.set('edition', /\bedition\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? '(none)');
  out.set('imports', [...text.matchAll(/\bimport\s+(weak\s+|public\s+)?"([^"]+)"/g)].map((m) => `${m[1] ?? ''}${m[2]}`).join(','));
  const parsed = protobuf.parse(text, { keepCase: true, alternateCommentMode: false });
  out.set('package', parsed.package ?? '');
  parsed.root.resolveAll();
  walk(parsed.root, out);
  return out;
}

/** The facts that differ, one line each: "- key: theirs" (missing or changed) and "+ key: ours". */
export function diffFacts(upstream: ProtoFacts, ours: ProtoFacts): string[] {
  const out: string[] = [];
  for (const [k, v] of upstream) if (ours.get(k) !== v) out.push(`- ${k}: ${v}`, ...(ours.has(k) ? [`+ ${k}: ${ours.get(k)!}`] : []));
  for (const [k, v] of ours) if (!upstream.has(k)) out.push(`+ ${k}: ${v}`);
  return out;
}
