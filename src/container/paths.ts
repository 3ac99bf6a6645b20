// Where a container's files live.
import { join, posix } from 'node:path';
import type { Config } from '../config/schema.js';

export function containersDir(config: Config): string {
  return join(config.root, 'containers');
}

/** conmon writes <exitDir>/<id> with the exit code when the container's process ends. */
export function exitDir(config: Config): string {
  return join(config.run_root, 'exits');
}

export function socketDir(config: Config): string {
  return join(config.run_root, 'sockets');
}

export function bundleDir(config: Config, id: string): string {
  return join(containersDir(config), id, 'bundle');
}

/** cgroupfs: <parent>/<id>; systemd: a scope in the pod's slice ("slice:prefix:name"). */
export function containerCgroupsPath(driver: 'cgroupfs' | 'systemd', parent: string, id: string): string {
  if (driver === 'systemd') return `${parent || 'system.slice'}:rktlet:${id}`;
  return posix.join(parent || '/', id);
}
