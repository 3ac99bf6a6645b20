// `rktlet app sandbox` keeps pod names unique per namespace. The daemon's name reservation
// (<root>/pod-names) is by name, namespace, uid and attempt, as the kubelet needs it (a pod's next
// attempt runs beside the last); the CLI makes a fresh uid per pod, so it would let a second "web"
// in. Under a lock on the name (across CLI processes), a pod of that name and namespace on the
// state root, whichever face made it, refuses the new one. The lock is the pod part's
// (PodController.withNameLock): its recovery and sync reclaim one a killed verb left.
import { AlreadyExistsError } from '../errors/catalog.js';
import type { CallContext } from '../cri/handler.js';

export async function withUniquePodName<T>(ctx: CallContext, namespace: string, name: string, run: () => Promise<T>): Promise<T> {
  const pods = ctx.engine.pods;
  return pods.withNameLock(namespace, name, async () => {
    await pods.sync(); // what another process made since this one opened the state root
    const same = pods.all().filter((p) => p.metadata.name === name && p.metadata.namespace === namespace);
    if (same.length) {
      const ids = same.map((p) => p.id).join(', ');
      throw new AlreadyExistsError(`a pod named "${name}" already exists in namespace "${namespace}": ${ids} (remove it with "rktlet pod rm ${same[0]!.id.slice(0, 13)}" or choose another --name)`);
    }
    return run();
  });
}
