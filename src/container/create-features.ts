// The parts of CreateContainer that the runtime features bring (issue 18): mounts read field by
// field (recursive read-only, image volumes, SELinux relabel, ID mappings), the supplemental groups
// policy and CDI devices. create.ts calls these at three points: checks before any work, host
// look-ups beside the others, and the image volumes' bind mounts once the snapshot is mounted.
import { existsSync } from 'node:fs';
import type { ContainerConfig__Output } from '../gen/runtime/v1/ContainerConfig.js';
import { FailedPreconditionError } from '../errors/catalog.js';
import type { CdiEdits } from '../oci/spec/cdi-edits.js';
import type { ResolvedUser } from '../oci/spec/user.js';
import type { RootfsMount } from '../snapshot/types.js';
import { requestedCdiDevices, parseQualifiedName, resolveCdiDevices } from './cdi.js';
import type { ContainerDeps } from './deps.js';
import { imageVolumeMounts, resolveVolumeImages, type VolumeImage } from './image-volumes.js';
import { bindMounts, imageVolumeRequests, mountRequests, wantsRecursiveReadOnly, type ImageVolumeRequest, type MountRequest } from './mount-requests.js';
import type { ContainerMount } from './types.js';
import { strictGroupsPolicy } from './user-resolve.js';
import { hostIdOf, sameMappings, userNamespaceRequest, type UserNamespaceMappings } from '../pod/userns.js';

export interface FeatureRequest {
  requests: MountRequest[];
  /** The request's bind mounts (host paths). */
  binds: ContainerMount[];
  volumes: ImageVolumeRequest[];
  volumeImages: VolumeImage[];
  cdiNames: string[];
  strictGroups: boolean;
  /** userns_options mode POD: the mappings the container expects its pod to have. */
  userns?: UserNamespaceMappings;
}

/**
 * A container runs in its pod's user namespace (or the host's): one asking for a user namespace
 * its pod lacks, or other mappings than the pod's, is refused rather than run otherwise.
 */
export function checkPodUserns(f: FeatureRequest, pod: { userns?: UserNamespaceMappings }): void {
  if (!f.userns) return; // NODE or unsaid: the kubelet sends it; a pod's containers all join its namespace
  if (!pod.userns) throw new FailedPreconditionError('the container asks for a user namespace (userns_options mode POD) but its pod sandbox runs in the host\'s');
  if (!sameMappings({ uids: f.userns.uids, gids: f.userns.gids }, { uids: pod.userns.uids, gids: pod.userns.gids })) {
    throw new FailedPreconditionError('the container\'s userns_options mappings differ from its pod sandbox\'s');
  }
}

/** SELinux is on when selinuxfs is mounted (as go-selinux decides). */
export function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}

/** Everything the request alone tells (plus which images are pulled): refused before any work. */
export function featureRequest(deps: Pick<ContainerDeps, 'images'>, cfg: ContainerConfig__Output): FeatureRequest {
  // The kubelet copies the pod's user namespace to each container: checked against the pod's below.
  const userns = userNamespaceRequest(cfg.linux?.security_context?.namespace_options?.userns_options ?? null);
  const requests = mountRequests(cfg.mounts, { selinuxEnabled: selinuxEnabled() });
  const volumes = imageVolumeRequests(requests);
  const cdiNames = requestedCdiDevices(cfg.CDI_devices, cfg.annotations);
  for (const n of cdiNames) parseQualifiedName(n);
  return {
    requests,
    binds: bindMounts(requests),
    volumes,
    volumeImages: resolveVolumeImages(volumes, (ref) => deps.images.resolve(ref)),
    cdiNames,
    strictGroups: strictGroupsPolicy(cfg.linux?.security_context?.supplemental_groups_policy),
    ...(userns ? { userns } : {}),
  };
}

/** The image volumes' layers, for the snapshot (in request order). */
export function volumeLayers(f: FeatureRequest): { image: string; chainIds: string[] }[] {
  return f.volumeImages.map((v) => ({ image: v.id, chainIds: v.chainIds }));
}

/** Host look-ups: the handler can do what the mounts ask; the CDI devices' edits. */
export async function featureHostFacts(deps: Pick<ContainerDeps, 'config' | 'handlerFeatures'>, handler: string, f: FeatureRequest): Promise<{ cdi?: CdiEdits }> {
  if (wantsRecursiveReadOnly(f.requests)) {
    const features = await deps.handlerFeatures?.(handler);
    if (!features?.recursive_read_only_mounts) {
      // containerd: ErrRROUnsupported, "runtime handler does not support recursive read-only mounts".
      throw new FailedPreconditionError(`runtime handler "${handler}" does not support recursive read-only mounts on this host (see Status: runtime_handlers)`);
    }
  }
  const cdi = await resolveCdiDevices(f.cdiNames, deps.config.runtime.cdi_spec_dirs);
  return cdi ? { cdi } : {};
}

/** The image volumes' bind mounts, once the snapshot (and so the volumes) is mounted. */
export async function volumeMounts(f: FeatureRequest, rootfs: Promise<RootfsMount>): Promise<ContainerMount[]> {
  if (!f.volumes.length) return [];
  return imageVolumeMounts(f.volumes, f.volumeImages, (await rootfs).volumes ?? []);
}

/** The user with the groups CDI devices add (they are part of what ContainerStatus reports). */
export function withCdiGroups(user: ResolvedUser, cdi: CdiEdits | undefined): ResolvedUser {
  if (!cdi?.additionalGids.length) return user;
  return { ...user, additionalGids: [...new Set([...user.additionalGids, ...cdi.additionalGids])] };
}

/** A user-namespaced pod's container: its layers idmapped through the pod's user namespace. */
export function snapshotIdmap(pod: { userns?: { path: string } & UserNamespaceMappings }): { userns: string; rootUid: number; rootGid: number } | undefined {
  const u = pod.userns;
  if (!u) return undefined;
  // The pod's root owns the upper dir; a map without 0 (the kubelet always maps it) gives its first id.
  return { userns: u.path, rootUid: hostIdOf(u.uids, 0) ?? u.uids[0]!.host_id, rootGid: hostIdOf(u.gids, 0) ?? u.gids[0]!.host_id };
}
