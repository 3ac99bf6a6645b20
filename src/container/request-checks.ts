// CreateContainer input that would otherwise reach the filesystem, conmon or the OCI runtime as
// given: names, paths, commands and enum values are checked here, before any work starts, so a
// hostile or broken request is refused with INVALID_ARGUMENT naming the field (instead of an
// UNKNOWN from runc, an INTERNAL from Node, or a file made outside the runtime's directories).
import { realpathSync } from 'node:fs';
import { InvalidArgumentError } from '../errors/catalog.js';
import { hasControlChar } from '../util/control-chars.js';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';

function show(v: string): string {
  return JSON.stringify(v.length > 300 ? `${v.slice(0, 300)}…` : v);
}

/** An absolute path that says plainly where it goes: no '..' or '.' parts, no control characters. */
export function plainAbsolute(p: string, what: string): void {
  if (!p.startsWith('/') || hasControlChar(p) || p.split('/').some((c) => c === '..' || c === '.')) {
    throw new InvalidArgumentError(`${what} ${show(p)} must be an absolute path without '..', '.' or control characters`);
  }
}

function inside(p: string, dir: string): boolean {
  const c = p.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return c === dir || c.startsWith(dir + '/');
}

/** A host path that is, or leads (through symlinks) into, a state root is refused. */
function outsideState(p: string, what: string, stateRoots: readonly string[]): void {
  let real = p;
  try {
    real = realpathSync(p);
  } catch {
    /* missing: made as a directory later, where it says */
  }
  for (const r of stateRoots) {
    if (inside(p, r) || inside(real, r)) throw new InvalidArgumentError(`${what} ${show(p)} lies in the runtime's state directory ${r}`);
  }
}

/** The kernel's limit on one execve argument (MAX_ARG_STRLEN, with its NUL). */
const MAX_ARG_BYTES = 128 * 1024 - 1;

/** Arguments a process can be started with: no NUL, none over the kernel's size limit. */
export function checkArgv(argv: readonly string[], what: string): void {
  for (const a of argv) {
    if (a.includes('\0')) throw new InvalidArgumentError(`${what} must not contain NUL bytes (${show(a)})`);
    if (Buffer.byteLength(a) > MAX_ARG_BYTES) throw new InvalidArgumentError(`${what}: an argument of ${Buffer.byteLength(a)} bytes is over the kernel's ${MAX_ARG_BYTES}`);
  }
}

export function checkContainerConfig(cfg: ContainerConfig__Output, stateRoots: readonly string[]): void {
  const name = cfg.metadata?.name ?? '';
  if (name.length > 253 || /[\s/\0]/.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError(`metadata.name ${show(name)} is longer than 253 characters, contains whitespace or '/', or is '.' or '..'`);
  }
  if (hasControlChar(cfg.log_path)) throw new InvalidArgumentError(`log_path ${show(cfg.log_path)} contains a control character`);
  if (cfg.working_dir) plainAbsolute(cfg.working_dir, 'working_dir');
  checkArgv([...cfg.command, ...cfg.args], 'command and args');
  for (const m of cfg.mounts) {
    const image = !!m.image?.image; // an image volume: no host path (src/container/mount-requests.ts)
    if (!m.container_path || (!m.host_path && !image)) throw new InvalidArgumentError('mounts need container_path and host_path (or an image)');
    plainAbsolute(m.container_path, 'mount container_path');
    if (m.host_path) plainAbsolute(m.host_path, 'mount host_path');
    // runc refuses anything but procfs on /proc: said here, with the field.
    if (inside(m.container_path, '/proc')) throw new InvalidArgumentError(`mount container_path ${show(m.container_path)}: nothing can be mounted on or under /proc`);
    if (m.host_path) outsideState(m.host_path, 'mount host_path', stateRoots);
  }
  for (const d of cfg.devices) {
    plainAbsolute(d.host_path, 'device host_path');
    if (d.container_path) plainAbsolute(d.container_path, 'device container_path');
    if (!/^[rwm]*$/.test(d.permissions)) throw new InvalidArgumentError(`device permissions ${show(d.permissions)} must be made of r, w and m`);
  }
  const sc = cfg.linux?.security_context;
  for (const g of sc?.supplemental_groups ?? []) {
    const n = Number(g);
    if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`supplemental group ${show(String(g))} is not a group id (0..4294967295)`);
  }
  for (const p of [...(sc?.masked_paths ?? []), ...(sc?.readonly_paths ?? [])]) plainAbsolute(p, 'masked or read-only path');
  // Unknown enum values arrive as numbers.
  if (typeof cfg.stop_signal !== 'string') throw new InvalidArgumentError(`stop_signal ${String(cfg.stop_signal)} is not a signal this runtime knows`);
}
