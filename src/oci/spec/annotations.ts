// Annotations in config.json: the request's own, plus the CRI metadata other tools (and hooks) read,
// under the keys containerd uses.
import type { SpecOpt } from './types.js';

export interface CriMetadata {
  containerType: 'container' | 'sandbox';
  sandboxId: string;
  sandboxName: string;
  sandboxNamespace: string;
  sandboxUid: string;
  containerName: string;
  imageName: string;
}

export function withAnnotations(requested: Record<string, string>, meta: CriMetadata): SpecOpt {
  return (s) => {
    s.annotations = {
      ...s.annotations,
      ...requested,
      'io.kubernetes.cri.container-type': meta.containerType,
      'io.kubernetes.cri.sandbox-id': meta.sandboxId,
      'io.kubernetes.cri.sandbox-name': meta.sandboxName,
      'io.kubernetes.cri.sandbox-namespace': meta.sandboxNamespace,
      'io.kubernetes.cri.sandbox-uid': meta.sandboxUid,
      'io.kubernetes.cri.container-name': meta.containerName,
      'io.kubernetes.cri.image-name': meta.imageName,
    };
  };
}
