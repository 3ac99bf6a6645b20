// Removing images that containers still stand on, and collecting what only a removed container
// kept. A container's root filesystem (its snapshot) records the image it was made from; an image
// removed while such snapshots exist is either refused (the CLI without --force, as podman and
// docker do) or held: it loses its tags and digests but stays listed, without names, until the
// last of those snapshots is removed, and then goes with its unshared blobs and layers. So nothing
// is kept that no listing shows, and nothing waits for a sweep at the next daemon start.
import { FailedPreconditionError } from '../errors/catalog.js';
import type { ActiveMeta } from '../snapshot/overlay-snapshotter.js';
import type { RemovalDeps } from './image-deps.js';
import type { StoredImage } from './image-store.js';

/** What RemoveImage does with an image containers use: refuse, or hold it (see above). */
export type InUsePolicy = 'refuse' | 'hold';

export type RemoveOutcome = { kind: 'absent' } | { kind: 'removed'; image: StoredImage } | { kind: 'held'; image: StoredImage; users: string[] };

function sameChain(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** Whether a snapshot stands on this image (older snapshots name no image: their layers tell). */
function uses(s: ActiveMeta, img: StoredImage): boolean {
  return s.image ? s.image === img.id : sameChain(s.chainIds, img.chainIds);
}

/** Keys (container or pod IDs) of the snapshots made from the image. */
export async function usersOf(svc: RemovalDeps, img: StoredImage): Promise<string[]> {
  return (await svc.snapshots.activeSnapshots()).filter((s) => uses(s, img)).map((s) => s.key);
}

/** Removes the image `ref` names; caller holds the store lock and has reloaded the store. */
export async function removeImage(svc: RemovalDeps, ref: string, policy: InUsePolicy): Promise<RemoveOutcome> {
  const img = svc.store.resolve(ref);
  if (!img) return { kind: 'absent' };
  const users = await usersOf(svc, img);
  if (users.length) {
    if (policy === 'refuse') {
      const names = users.map((u) => u.slice(0, 12)).join(', ');
      throw new FailedPreconditionError(
        `image ${img.id} is in use by ${users.length} container${users.length > 1 ? 's' : ''} (${names}); remove ${users.length > 1 ? 'them' : 'it'} first, ` +
          'or remove the image with --force: it then loses its names and stays listed as <none> until the last of them is removed',
      );
    }
    const held = (await svc.store.hold(img.id)) ?? img;
    return { kind: 'held', image: held, users };
  }
  await svc.store.delete(img.id);
  await svc.collectGarbage(img.blobs, img.chainIds);
  return { kind: 'removed', image: img };
}

/**
 * After a snapshot is removed: held images nobody uses any more go, and so do the layers that
 * snapshot stood on when no image lists them (it outlived its image some other way). Takes the
 * store lock only when there is something to look at, so removing a container of a present
 * image costs a stat of the store's stamp file.
 */
export async function collectAfterSnapshot(svc: RemovalDeps, removed: ActiveMeta): Promise<void> {
  const unlisted = (refd: Set<string>) => removed.chainIds.filter((c) => !refd.has(c));
  const images = svc.store.list();
  if (!images.some((i) => i.held) && !unlisted(svc.store.referenced().chainIds).length) return;
  await svc.withLock(async () => {
    svc.store.reload();
    await collectHeld(svc);
    await svc.collectGarbage([], unlisted(svc.store.referenced().chainIds));
  });
}

/** Deletes held images no snapshot uses any more, with what only they kept (caller holds the lock). */
export async function collectHeld(svc: RemovalDeps): Promise<void> {
  const held = svc.store.list().filter((i) => i.held);
  if (!held.length) return;
  const snaps = await svc.snapshots.activeSnapshots();
  for (const img of held) {
    if (snaps.some((s) => uses(s, img))) continue;
    await svc.store.delete(img.id);
    await svc.collectGarbage(img.blobs, img.chainIds);
    svc.log.info({ image: img.id }, 'held image collected: the last container using it is gone');
  }
}
