// UpdateRuntimeConfig: the kubelet hands over the node's pod CIDR; recorded for the network part
// (the CNI config owns IP allocation, as with containerd and CRI-O).
import { InvalidArgumentError } from '../errors/catalog.js';
import type { CallContext, RuntimeReq, RuntimeRes } from './handler.js';

export async function updateRuntimeConfig(ctx: CallContext, req: RuntimeReq<'UpdateRuntimeConfig'>): Promise<RuntimeRes<'UpdateRuntimeConfig'>> {
  const cidr = req.runtime_config?.network_config?.pod_cidr ?? '';
  for (const c of cidr.split(',').filter((s) => s)) {
    if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c.trim())) throw new InvalidArgumentError(`pod_cidr "${c}" is not a CIDR`);
  }
  if (cidr && cidr !== ctx.engine.network.podCidr) {
    ctx.engine.network.podCidr = cidr;
    ctx.log.info({ pod_cidr: cidr }, 'pod CIDR recorded');
  }
  return {};
}
