// UpdatePodSandboxResources: the pod's cgroup gets the new pod-level limits (best effort per the CRI).
import { InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import { applyPodCgroup } from '../container/pod-cgroup.js';
import { expandSlice } from '../systemd/unit-names.js';
import { isCgroupV2 } from '../container/host-facts.js';
import { resourcesFromCri } from '../oci/spec/resources.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function podSandboxUpdateResources(
  ctx: CallContext,
  req: RuntimeReq<'UpdatePodSandboxResources'>,
): Promise<RuntimeRes<'UpdatePodSandboxResources'>> {
  if (!req.pod_sandbox_id) throw new InvalidArgumentError('pod_sandbox_id is required');
  const pod = ctx.engine.containers.pods.get(req.pod_sandbox_id);
  if (!pod) throw new NotFoundError(`pod sandbox "${req.pod_sandbox_id}" not found`);
  const res = resourcesFromCri(req.resources);
  // With systemd the pod's cgroup is its slice's directory; the files are written directly (best
  // effort, as the CRI defines this call: systemd may later reapply the slice's own properties).
  const dir = ctx.engine.config.runtime.cgroup_driver === 'systemd' ? expandSlice(pod.cgroupParent) : pod.cgroupParent;
  if (pod.cgroupParent && dir !== '/') {
    const n = await applyPodCgroup('/sys/fs/cgroup', dir, res, await isCgroupV2());
    ctx.log.debug({ pod: pod.id, files: n }, 'pod resources updated');
  }
  return {};
}
