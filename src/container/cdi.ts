// CDI devices (ContainerConfig.CDI_devices, and the `cdi.k8s.io/<name>` annotations that device
// plugins used before the field): fully qualified names `vendor.com/class=name` resolved against
// the CDI spec files (JSON or YAML) in `runtime.cdi_spec_dirs`, by default /etc/cdi then
// /var/run/cdi, where a later directory overrides an earlier one, as the CDI library's cache does
// (tags.cncf.io/container-device-interface, pkg/cdi/cache.go and spec-dirs.go). A device's edits
// are its spec's common containerEdits plus its own. A device no spec names, a malformed name, or an
// edit rktlet cannot apply (intelRdt, netDevices) is refused: a container never starts without a
// device it asked for.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import { CDI_HOOK_NAMES, emptyCdiEdits, type CdiEdits, type CdiHookName } from '../oci/spec/cdi-edits.js';
import { normalizePermissions, type HostDevice } from '../oci/spec/devices.js';
import { complaintOf } from '../util/command.js';
import { resolveDevice } from './host-facts.js';

/** The annotation prefix device plugins use for CDI devices (containerd and CRI-O read it too). */
export const CDI_ANNOTATION_PREFIX = 'cdi.k8s.io/';

const KIND = /^[A-Za-z0-9][A-Za-z0-9.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

interface RawDeviceNode {
  path?: unknown;
  hostPath?: unknown;
  type?: unknown;
  major?: unknown;
  minor?: unknown;
  fileMode?: unknown;
  permissions?: unknown;
  uid?: unknown;
  gid?: unknown;
}

interface RawEdits {
  env?: unknown;
  deviceNodes?: RawDeviceNode[];
  hooks?: { hookName?: unknown; path?: unknown; args?: unknown; env?: unknown; timeout?: unknown }[];
  mounts?: { hostPath?: unknown; containerPath?: unknown; type?: unknown; options?: unknown }[];
  additionalGids?: unknown;
  intelRdt?: unknown;
  netDevices?: unknown;
}

interface RawSpec {
  cdiVersion?: unknown;
  kind?: unknown;
  devices?: { name?: unknown; containerEdits?: RawEdits }[];
  containerEdits?: RawEdits;
}

/** A device found in a spec file: its edits and where they came from. */
export interface CdiDevice {
  name: string;
  file: string;
  edits: RawEdits[];
}

/** Device names the request asks for: the field, then the annotations' comma-separated lists. */
export function requestedCdiDevices(field: readonly { name: string }[], annotations: Record<string, string>): string[] {
  const names = field.map((d) => d.name);
  for (const [k, v] of Object.entries(annotations)) {
    if (!k.startsWith(CDI_ANNOTATION_PREFIX)) continue;
    for (const n of v.split(',')) if (n.trim()) names.push(n.trim());
  }
  return [...new Set(names)];
}

/** `vendor.com/class=name` → its kind and name (INVALID_ARGUMENT otherwise). */
export function parseQualifiedName(q: string): { kind: string; name: string } {
  const i = q.indexOf('=');
  const kind = i > 0 ? q.slice(0, i) : '';
  const name = i > 0 ? q.slice(i + 1) : '';
  if (!KIND.test(kind) || !NAME.test(name)) throw new InvalidArgumentError(`CDI device ${JSON.stringify(q.slice(0, 300))} is not a qualified name (vendor.com/class=name)`);
  return { kind, name };
}

const parsed = new Map<string, { key: string; spec: RawSpec }>();

/** A spec file's content (YAML by the `yaml` library, core schema: JSON is YAML too), cached by mtime. */
async function loadSpecFile(file: string): Promise<RawSpec> {
  const st = await stat(file);
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = parsed.get(file);
  if (hit?.key === key) return hit.spec;
  const text = await readFile(file, 'utf8');
  let spec: RawSpec;
  if (file.endsWith('.json')) spec = JSON.parse(text) as RawSpec;
  // yaml is loaded at the first YAML spec: most daemons never see a CDI device request.
  else spec = (await import('yaml')).parse(text, { schema: 'core', maxAliasCount: 100 }) as RawSpec;
  if (!spec || typeof spec !== 'object') throw new Error('not a CDI spec (no mapping at the top)');
  parsed.set(file, { key, spec });
  return spec;
}

/** Every device of every spec file in `dirs` (later directories override earlier ones). */
export async function loadCdiDevices(dirs: readonly string[]): Promise<{ devices: Map<string, CdiDevice>; errors: string[] }> {
  const devices = new Map<string, CdiDevice>();
  const errors: string[] = [];
  for (const dir of dirs) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.(json|ya?ml)$/.test(n)).sort();
    const inDir = new Map<string, CdiDevice>();
    for (const n of names) {
      const file = join(dir, n);
      let spec: RawSpec;
      try {
        spec = await loadSpecFile(file);
      } catch (err) {
        errors.push(`${file}: ${complaintOf(err).slice(0, 200)}`);
        continue;
      }
      if (typeof spec.kind !== 'string' || !KIND.test(spec.kind)) {
        errors.push(`${file}: kind ${JSON.stringify(spec.kind)} is not vendor.com/class`);
        continue;
      }
      for (const d of spec.devices ?? []) {
        if (typeof d.name !== 'string' || !NAME.test(d.name)) {
          errors.push(`${file}: device name ${JSON.stringify(d.name)} is not valid`);
          continue;
        }
        const q = `${spec.kind}=${d.name}`;
        // Two files of one directory defining a device: neither wins (the CDI cache's conflict).
        if (inDir.has(q)) errors.push(`${q} is defined twice in ${dir} (${inDir.get(q)!.file}, ${file})`);
        inDir.set(q, { name: q, file, edits: [spec.containerEdits ?? {}, d.containerEdits ?? {}] });
      }
    }
    for (const [q, d] of inDir) devices.set(q, d);
  }
  return { devices, errors };
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new FailedPreconditionError(`${what} must be a list of strings`);
  return v as string[];
}

function uint(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new FailedPreconditionError(`${what} must be a non-negative integer`);
  return v;
}

function absolute(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v.startsWith('/')) throw new FailedPreconditionError(`${what} must be an absolute path`);
  return v;
}

/** A device node of a spec, completed from the host's node (type, numbers, mode, owner). */
async function deviceNode(n: RawDeviceNode, where: string): Promise<HostDevice> {
  const path = absolute(n.path, `${where}: deviceNodes path`);
  const hostPath = n.hostPath === undefined ? path : absolute(n.hostPath, `${where}: deviceNodes hostPath`);
  const perms = n.permissions === undefined ? 'rwm' : String(n.permissions);
  const given = { type: n.type, major: uint(n.major, `${where}: major`), minor: uint(n.minor, `${where}: minor`) };
  let dev: HostDevice;
  if (given.type !== undefined && given.major !== undefined && given.minor !== undefined) {
    if (given.type !== 'c' && given.type !== 'b') throw new FailedPreconditionError(`${where}: device type ${JSON.stringify(given.type)} is not c or b`);
    dev = { containerPath: path, type: given.type, major: given.major, minor: given.minor, fileMode: 0o666, uid: 0, gid: 0, permissions: normalizePermissions(perms) };
  } else {
    try {
      dev = await resolveDevice(hostPath, path, perms);
    } catch (err) {
      throw new FailedPreconditionError(`${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  const fileMode = uint(n.fileMode, `${where}: fileMode`);
  const uid = uint(n.uid, `${where}: uid`);
  const gid = uint(n.gid, `${where}: gid`);
  return { ...dev, ...(fileMode !== undefined ? { fileMode: fileMode & 0o777 } : {}), ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
}

async function addEdits(out: CdiEdits, e: RawEdits, where: string): Promise<void> {
  if (e.intelRdt !== undefined && e.intelRdt !== null) throw new FailedPreconditionError(`${where}: intelRdt edits are not supported by this runtime`);
  if (Array.isArray(e.netDevices) && e.netDevices.length) throw new FailedPreconditionError(`${where}: netDevices edits are not supported by this runtime`);
  for (const kv of strings(e.env, `${where}: env`)) {
    if (!/^[^=]+=/.test(kv)) throw new FailedPreconditionError(`${where}: env entry ${JSON.stringify(kv)} is not NAME=value`);
    out.env.push(kv);
  }
  for (const n of e.deviceNodes ?? []) out.devices.push(await deviceNode(n, where));
  for (const m of e.mounts ?? []) {
    const options = strings(m.options, `${where}: mount options`);
    out.mounts.push({
      hostPath: absolute(m.hostPath, `${where}: mount hostPath`),
      containerPath: absolute(m.containerPath, `${where}: mount containerPath`),
      ...(typeof m.type === 'string' && m.type ? { type: m.type } : {}),
      ...(options.length ? { options } : {}),
    });
  }
  for (const h of e.hooks ?? []) {
    if (!CDI_HOOK_NAMES.includes(h.hookName as CdiHookName)) throw new FailedPreconditionError(`${where}: hook name ${JSON.stringify(h.hookName)} is not an OCI hook`);
    const args = strings(h.args, `${where}: hook args`);
    const env = strings(h.env, `${where}: hook env`);
    const timeout = uint(h.timeout, `${where}: hook timeout`);
    out.hooks.push({
      hookName: h.hookName as CdiHookName,
      path: absolute(h.path, `${where}: hook path`),
      ...(args.length ? { args } : {}),
      ...(env.length ? { env } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
    });
  }
  for (const g of Array.isArray(e.additionalGids) ? (e.additionalGids as unknown[]) : []) out.additionalGids.push(uint(g, `${where}: additionalGids`)!);
}

/**
 * The merged edits of the named devices (none: undefined). NOT_FOUND names a device no spec in
 * `dirs` defines (with the spec files that could not be read); FAILED_PRECONDITION an edit that
 * cannot be applied here.
 */
export async function resolveCdiDevices(names: readonly string[], dirs: readonly string[]): Promise<CdiEdits | undefined> {
  if (!names.length) return undefined;
  for (const n of names) parseQualifiedName(n);
  const { devices, errors } = await loadCdiDevices(dirs);
  const out = emptyCdiEdits();
  const specEditsApplied = new Set<string>();
  for (const n of names) {
    const d = devices.get(n);
    if (!d) {
      const broken = errors.length ? `; spec files with errors: ${errors.join('; ').slice(0, 1000)}` : '';
      throw new NotFoundError(`CDI device ${n} is not defined by any spec in ${dirs.join(', ')}${broken}`);
    }
    // A spec's common edits apply once, however many of its devices are asked for.
    const [common, own] = d.edits;
    if (!specEditsApplied.has(d.file)) await addEdits(out, common ?? {}, `CDI spec ${d.file}`);
    specEditsApplied.add(d.file);
    await addEdits(out, own ?? {}, `CDI device ${n} (${d.file})`);
  }
  return out;
}
