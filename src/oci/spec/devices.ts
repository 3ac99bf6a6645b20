// Devices: nodes created in the container plus the device-cgroup rules that let it use them.
// Host facts (type, major/minor, mode) are looked up by the caller; this stays pure.
import { InvalidArgumentError } from '../../errors/catalog.js';
import type { OciDevice, SpecOpt } from './types.js';

export interface HostDevice {
  containerPath: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
  /** cgroup access, "rwm" or a subset. */
  permissions: string;
}

export function normalizePermissions(p: string): string {
  const perms = p || 'rwm';
  if (!/^[rwm]{1,3}$/.test(perms) || new Set(perms).size !== perms.length) {
    throw new InvalidArgumentError(`device permissions "${p}" must be a combination of r, w and m`);
  }
  return perms;
}

export function withDevices(devices: HostDevice[]): SpecOpt {
  return (s) => {
    const nodes: OciDevice[] = s.linux.devices ?? [];
    const rules = s.linux.resources!.devices ?? [];
    for (const d of devices) {
      const i = nodes.findIndex((n) => n.path === d.containerPath);
      if (i >= 0) nodes.splice(i, 1);
      nodes.push({ type: d.type, path: d.containerPath, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid });
      rules.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.permissions });
    }
    if (nodes.length) s.linux.devices = nodes;
    s.linux.resources!.devices = rules;
  };
}
