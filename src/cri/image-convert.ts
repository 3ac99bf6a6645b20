// Stored images → CRI Image messages, and the image user as kubelet reads it.
import type { Image } from '../gen/runtime/v1/Image.js';
import type { StoredImage } from '../image/image-store.js';

/** `User` of the image config: numeric → uid, a name → username; any `:group` is dropped. */
export function imageUser(user: string | undefined): { uid?: string; username: string } {
  const u = (user ?? '').split(':')[0]!.trim();
  if (!u) return { username: '' };
  if (/^\d+$/.test(u)) return { uid: String(Number(u)), username: '' };
  return { username: u };
}

export function toCriImage(img: StoredImage): Image {
  const user = imageUser(img.config.User);
  return {
    id: img.id,
    repo_tags: [...img.repoTags],
    repo_digests: [...img.repoDigests],
    size: String(img.size),
    uid: user.uid !== undefined ? { value: user.uid } : null,
    username: user.username,
    spec: { image: img.id, annotations: {} },
    pinned: img.pinned ?? false,
  };
}
