// Flags of `rktlet app sandbox` and `rktlet app add` as CRI requests (the loose input shape; the
// caller decodes them with defaults, as the daemon does with the kubelet's). Pure functions.
import { randomUUID, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors/catalog.js';
import { keyValues } from './app-engine.js';

export interface SandboxFlags {
  name?: string;
  namespace?: string;
  uid?: string;
  hostname?: string;
  net?: string;
  port?: string[];
  label?: string[];
  runtime?: string;
}

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  container_port: number;
  host_port: number;
  host_ip: string;
}

/** HOST:CONTAINER[/proto], HOST_IP:HOST:CONTAINER[/proto] */
export function parsePort(s: string): PortMapping {
  const m = /^(?:([0-9.]+):)?(\d+):(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(s);
  if (!m) throw new InvalidArgumentError(`--port must be HOST:CONTAINER[/tcp|udp|sctp], got "${s}"`);
  const host = Number(m[2]);
  const ctr = Number(m[3]);
  if (!(host > 0 && host < 65536 && ctr > 0 && ctr < 65536)) throw new InvalidArgumentError(`--port "${s}": ports are 1-65535`);
  return { protocol: (m[4] ?? 'tcp').toUpperCase() as PortMapping['protocol'], host_port: host, container_port: ctr, host_ip: m[1] ?? '' };
}

/**
 * The CLI's pods are named after their hostname when the name is one (a DNS label), as rkt did;
 * otherwise the request names none and the pod gets the node's, as with the kubelet.
 */
export function defaultHostname(name: string): string {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(name) ? name : '';
}

/** RunPodSandbox's request; logs go under <root>/pod-logs/<namespace>_<name>_<uid> as the kubelet lays them out. */
export function sandboxRequest(f: SandboxFlags, root: string): { config: Record<string, unknown>; runtime_handler: string } {
  if (f.net && f.net !== 'host' && f.net !== 'default') throw new InvalidArgumentError(`--net must be "host" or "default", got "${f.net}"`);
  const name = f.name ?? `sandbox-${randomBytes(4).toString('hex')}`;
  const namespace = f.namespace ?? 'default';
  const uid = f.uid ?? randomUUID();
  const hostNet = f.net === 'host';
  const ports = (f.port ?? []).map(parsePort);
  if (hostNet && ports.length) throw new InvalidArgumentError('--port has no meaning with --net host');
  return {
    config: {
      metadata: { name, namespace, uid, attempt: 0 },
      hostname: f.hostname ?? defaultHostname(name),
      log_directory: join(root, 'pod-logs', `${namespace}_${name}_${uid}`),
      port_mappings: ports,
      labels: Object.fromEntries(keyValues(f.label, '--label').map((kv) => [kv.key, kv.value])),
      linux: { security_context: { namespace_options: { network: hostNet ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    },
    runtime_handler: f.runtime ?? '',
  };
}

export interface AddFlags {
  name?: string;
  env?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
  stdin?: boolean;
  mount?: string[];
  label?: string[];
}

/** SRC:DST[:ro|rw] */
export function parseMount(s: string): { host_path: string; container_path: string; readonly: boolean } {
  const parts = s.split(':');
  const opt = parts.length === 3 ? parts[2] : undefined;
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1] || (opt !== undefined && opt !== 'ro' && opt !== 'rw')) {
    throw new InvalidArgumentError(`--mount must be SRC:DST[:ro], got "${s}"`);
  }
  if (!parts[0].startsWith('/') || !parts[1].startsWith('/')) throw new InvalidArgumentError(`--mount "${s}": both paths must be absolute`);
  return { host_path: parts[0], container_path: parts[1], readonly: opt === 'ro' };
}

/** The run-as user: a number is run_as_user (with ":GID", run_as_group), anything else a user name. */
export function userFields(user: string | undefined): Record<string, unknown> {
  if (!user) return {};
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) return { run_as_username: user };
  return { run_as_user: { value: m[1] }, ...(m[2] ? { run_as_group: { value: m[2] } } : {}) };
}

/** The image name as the app's default name: "docker.io/library/busybox:1.36" → "busybox". */
export function defaultAppName(image: string): string {
  const last = image.split('@')[0]!.split('/').pop() ?? 'app';
  return last.split(':')[0]!.replace(/[^a-z0-9-]/gi, '-').toLowerCase() || 'app';
}

/** CreateContainer's request; `command` replaces the image's entrypoint (and its Cmd). */
export function addRequest(podId: string, podConfig: unknown, image: string, f: AddFlags, command: string[]): Record<string, unknown> {
  const name = f.name ?? defaultAppName(image);
  return {
    pod_sandbox_id: podId,
    sandbox_config: podConfig,
    config: {
      metadata: { name, attempt: 0 },
      image: { image },
      command,
      args: [],
      working_dir: f.workdir ?? '',
      // KeyValue.value is bytes: a string here would be read as base64. Node hands argv over
      // already decoded from UTF-8, so the CLI can only give UTF-8 values.
      envs: keyValues(f.env, '--env').map((kv) => ({ key: kv.key, value: Buffer.from(kv.value, 'utf8') })),
      mounts: (f.mount ?? []).map(parseMount),
      labels: Object.fromEntries(keyValues(f.label, '--label').map((kv) => [kv.key, kv.value])),
      log_path: `${name}/0.log`,
      tty: !!f.tty,
      stdin: !!f.stdin,
      linux: { security_context: { ...userFields(f.user), namespace_options: { pid: 'CONTAINER' } } },
    },
  };
}
