// RuntimeConfig: tells the kubelet which cgroup driver to use, so both agree.
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function runtimeConfig(ctx: CallContext, _req: RuntimeReq<'RuntimeConfig'>): Promise<RuntimeRes<'RuntimeConfig'>> {
  return {
    linux: { cgroup_driver: ctx.engine.config.runtime.cgroup_driver === 'systemd' ? 'SYSTEMD' : 'CGROUPFS' },
  };
}
