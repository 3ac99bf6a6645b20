// CreateContainer's mounts, read field by field: host paths (bind mounts, possibly recursively
// read-only) and images (image volumes). Every field is either honoured or the request refused
// with a message: nothing is dropped silently. Pure: host facts (SELinux, the handler's features)
// are passed in.
//
// The rules are containerd's (internal/cri/opts/spec_linux_opts.go, withMounts, and
// internal/cri/server/container_image_mount.go, mutateImageMount) and CRI-O's
// (server/container_create_linux.go, addOCIBindMounts and mountImage):
// - recursive_read_only needs readonly ("recursive read-only mount conflicts with RW mount") and
//   private propagation, and a handler that does it (containerd: ErrRROUnsupported);
// - an image mount has no host_path and is read-only ("hostpath must be empty", "readonly must be
//   true while mount image");
// - selinux_relabel relabels with the container's label; both runtimes skip it when SELinux is off
//   (go-selinux's Relabel is a no-op then). rktlet sets no SELinux labels at all, so on a host with
//   SELinux enabled the request is refused instead of left unlabelled;
// - uidMappings/gidMappings (ID-mapped volume mounts) come only with user namespaces; rktlet idmaps
//   a user-namespaced pod's layers and volumes with the pod's own mappings, not with per-mount ones: refused, as CRI-O refuses them when its OCI runtime cannot ("idmap mounts
//   specified but OCI runtime does not support them").
// Codes: a request that contradicts itself is INVALID_ARGUMENT; one this node cannot do is
// FAILED_PRECONDITION (neither runtime has a code of its own for these: both answer UNKNOWN).
import type { Mount__Output } from '../gen/runtime/v1/Mount.js';
import { FailedPreconditionError, InvalidArgumentError } from '../errors/catalog.js';
import { hasControlChar } from '../util/control-chars.js';
import { propagationFromCri, type BindMount } from '../oci/spec/mounts.js';

/** An image mounted read-only into the container (CRI Mount.image). */
export interface ImageVolumeRequest {
  containerPath: string;
  /** The image as the request names it. */
  ref: string;
  /** A directory of the image to mount instead of its root ('' for the root). */
  subPath: string;
  propagation: BindMount['propagation'];
  recursiveReadOnly: boolean;
}

export type MountRequest = { kind: 'bind'; mount: BindMount & { selinuxRelabel?: boolean } } | { kind: 'image'; volume: ImageVolumeRequest };

export interface MountHostFacts {
  /** SELinux is enabled on this host (selinuxfs mounted). */
  selinuxEnabled: boolean;
}

function show(v: string): string {
  return JSON.stringify(v.length > 300 ? `${v.slice(0, 300)}…` : v);
}

/** A path inside an image: relative, plain names only (the kubelet's own rule for subPath). */
export function checkSubPath(p: string): void {
  if (!p) return;
  if (p.startsWith('/') || hasControlChar(p) || p.split('/').some((c) => c === '..' || c === '.')) {
    throw new InvalidArgumentError(`image_sub_path ${show(p)} must be a relative path without '..', '.' or control characters`);
  }
}

function checkRecursiveReadOnly(m: Mount__Output, what: string): void {
  if (!m.recursive_read_only) return;
  if (!m.readonly) throw new InvalidArgumentError(`mount ${what}: recursive_read_only needs readonly (a recursively read-only mount cannot be writable)`);
  if (propagationFromCri(m.propagation) !== 'private') {
    throw new InvalidArgumentError(`mount ${what}: recursive_read_only needs PROPAGATION_PRIVATE, not ${m.propagation} (mounts propagated later would not be read-only)`);
  }
}

export function mountRequests(mounts: readonly Mount__Output[], host: MountHostFacts): MountRequest[] {
  return mounts.map((m) => {
    const what = show(m.container_path);
    if (m.uidMappings?.length || m.gidMappings?.length) {
      throw new FailedPreconditionError(`mount ${what}: ID-mapped volume mounts (uidMappings/gidMappings) are not supported: rktlet idmaps the image's layers of a user-namespaced pod only`);
    }
    if (m.selinux_relabel && host.selinuxEnabled) {
      throw new FailedPreconditionError(`mount ${what}: selinux_relabel is not supported: SELinux is enabled on this host and rktlet sets no SELinux labels`);
    }
    checkRecursiveReadOnly(m, what);
    const propagation = propagationFromCri(m.propagation);
    if (m.image?.image) {
      if (m.host_path) throw new InvalidArgumentError(`mount ${what}: an image mount has no host_path (got ${show(m.host_path)})`);
      if (!m.readonly) throw new InvalidArgumentError(`mount ${what}: an image mount is read-only: set readonly`);
      checkSubPath(m.image_sub_path ?? '');
      return { kind: 'image', volume: { containerPath: m.container_path, ref: m.image.image, subPath: m.image_sub_path ?? '', propagation, recursiveReadOnly: !!m.recursive_read_only } };
    }
    if (m.image_sub_path) throw new InvalidArgumentError(`mount ${what}: image_sub_path is for image mounts only`);
    if (!m.container_path || !m.host_path) throw new InvalidArgumentError('mounts need container_path and host_path (or an image)');
    return {
      kind: 'bind',
      mount: {
        containerPath: m.container_path,
        hostPath: m.host_path,
        readonly: m.readonly,
        propagation,
        ...(m.recursive_read_only ? { recursiveReadOnly: true } : {}),
        ...(m.selinux_relabel ? { selinuxRelabel: true } : {}),
      },
    };
  });
}

/** Whether any mount asks for recursive read-only (the handler must be able to). */
export function wantsRecursiveReadOnly(requests: readonly MountRequest[]): boolean {
  return requests.some((r) => (r.kind === 'bind' ? r.mount.recursiveReadOnly : r.volume.recursiveReadOnly));
}

/** The bind mounts among the requests (image volumes come once their images are mounted). */
export function bindMounts(requests: readonly MountRequest[]): (BindMount & { selinuxRelabel?: boolean })[] {
  return requests.flatMap((r) => (r.kind === 'bind' ? [r.mount] : []));
}

export function imageVolumeRequests(requests: readonly MountRequest[]): ImageVolumeRequest[] {
  return requests.flatMap((r) => (r.kind === 'image' ? [r.volume] : []));
}
