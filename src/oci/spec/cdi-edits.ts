// CDI (Container Device Interface) container edits applied to the spec: what the device specs
// in the CDI spec dirs say a device needs (src/container/cdi.ts finds and merges them, and fills
// in device numbers from the host). Applied as the CDI library's ContainerEdits.Apply does
// (tags.cncf.io/container-device-interface, pkg/cdi/container-edits.go): environment variables
// appended (a later one wins), device nodes with their cgroup rules, mounts, hooks. Pure.
import type { HostDevice } from './devices.js';
import { withDevices } from './devices.js';
import { mergeEnv } from './process.js';
import type { OciHook, SpecOpt } from './types.js';

/** The hooks the OCI runtime spec defines (CDI's hookName values). */
export const CDI_HOOK_NAMES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type CdiHookName = (typeof CDI_HOOK_NAMES)[number];

export interface CdiMount {
  hostPath: string;
  containerPath: string;
  type?: string;
  options?: string[];
}

export interface CdiHook extends OciHook {
  hookName: CdiHookName;
}

export interface CdiEdits {
  env: string[];
  devices: HostDevice[];
  mounts: CdiMount[];
  hooks: CdiHook[];
  additionalGids: number[];
}

export function emptyCdiEdits(): CdiEdits {
  return { env: [], devices: [], mounts: [], hooks: [], additionalGids: [] };
}

/** Applies the edits; process.user's groups are the caller's (they are reported in ContainerStatus). */
export function withCdiEdits(e: CdiEdits | undefined): SpecOpt {
  return (s) => {
    if (!e) return;
    if (e.env.length) s.process.env = mergeEnv(s.process.env, e.env);
    if (e.devices.length) withDevices(e.devices)(s);
    for (const m of e.mounts) {
      s.mounts = s.mounts.filter((x) => x.destination !== m.containerPath);
      s.mounts.push({ destination: m.containerPath, type: m.type || 'bind', source: m.hostPath, options: m.options ?? ['rbind', 'rprivate'] });
    }
    for (const h of e.hooks) {
      const { hookName, ...hook } = h;
      s.hooks ??= {};
      (s.hooks[hookName] ??= []).push(hook);
    }
  };
}
