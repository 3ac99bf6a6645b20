// UpdatePodSandboxResources: the pod's cgroup gets the new pod-level limits (best effort per the CRI).
import { InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import { applyPodCgroup } from '../container/pod-cgroup.js';
import { isCgroupV2 } from '../container/host-facts.js';
import { resourcesFromCri } from '../oci/spec/resources.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function podSandboxUpdateResources(
  ctx: CallContext,
  req: RuntimeReq<'UpdatePodSandboxResources'>,
): Promise<RuntimeRes<'UpdatePodSandboxResources'>> {
  if (!req.pod_sandbox_id) throw new InvalidArgumentError('pod_sandbox_id is required');
  const pod = ctx.engine.containers.deps.pods.get(req.pod_sandbox_id);
  if (!pod) throw new NotFoundError(`pod sandbox "${req.pod_sandbox_id}" not found`);
  const res = resourcesFromCri(req.resources);
  // systemd-driven slices are changed through systemd, which this host does not run: cgroupfs only.
  if (ctx.engine.config.runtime.cgroup_driver === 'cgroupfs' && pod.cgroupParent) {
    const n = await applyPodCgroup('/sys/fs/cgroup', pod.cgroupParent, res, await isCgroupV2());
    ctx.log.debug({ pod: pod.id, files: n }, 'pod resources updated');
  }
  return {};
}
