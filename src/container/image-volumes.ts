// Image volumes (CRI Mount.image, Kubernetes' `image` volume source): another image's root
// filesystem, mounted read-only into the container. The kubelet pulls the image first (as for the
// container's own image); rktlet mounts its layers as a read-only overlay beside the container's
// root filesystem (the snapshot records the image, src/snapshot/overlay-snapshotter.ts), so the
// image and its layers are kept while the container exists: RemoveImage holds it, as it holds the
// container's own image, and the container's removal unmounts the volume and collects a held image.
// The mounts survive daemon restarts (they are the kernel's; the snapshot's meta.json names them).
import { stat } from 'node:fs/promises';
import { InvalidArgumentError, NotFoundError } from '../errors/catalog.js';
import { InRootError, resolveInRoot } from './in-root.js';
import type { ImageVolumeRequest } from './mount-requests.js';
import type { ContainerMount } from './types.js';

export interface VolumeImage {
  id: string;
  chainIds: string[];
}

/** The stored image of each request (NOT_FOUND for one that is not pulled: the kubelet pulls first). */
export function resolveVolumeImages(requests: readonly ImageVolumeRequest[], resolve: (ref: string) => VolumeImage | undefined): VolumeImage[] {
  return requests.map((r) => {
    const img = resolve(r.ref);
    if (!img) throw new NotFoundError(`image "${r.ref}" of the image volume at ${r.containerPath} not found: pull it first`);
    return { id: img.id, chainIds: [...img.chainIds] };
  });
}

/**
 * The bind mounts of the image volumes, once mounted at `mountPoints` (same order as the
 * requests). A sub path is resolved inside the image, as in a chroot (its symlinks cannot lead out).
 */
export async function imageVolumeMounts(requests: readonly ImageVolumeRequest[], images: readonly VolumeImage[], mountPoints: readonly string[]): Promise<ContainerMount[]> {
  const out: ContainerMount[] = [];
  for (const [i, r] of requests.entries()) {
    const root = mountPoints[i];
    if (!root) throw new Error(`image volume ${i} has no mount point`); // prepare() was given every request
    let hostPath = root;
    if (r.subPath) {
      try {
        hostPath = await resolveInRoot(root, r.subPath);
        await stat(hostPath);
      } catch (err) {
        if (err instanceof InRootError || (err as { code?: string }).code === 'ENOENT') {
          throw new InvalidArgumentError(`sub path "${r.subPath}" does not exist in image volume "${r.ref}"`, { cause: err });
        }
        throw err;
      }
    }
    out.push({
      containerPath: r.containerPath,
      hostPath,
      readonly: true,
      propagation: r.propagation,
      ...(r.recursiveReadOnly ? { recursiveReadOnly: true } : {}),
      image: { ref: r.ref, id: images[i]!.id, subPath: r.subPath },
    });
  }
  return out;
}
