// Image references, normalised as Docker does: `busybox` → docker.io/library/busybox:latest.
import { InvalidArgumentError } from '../errors/catalog.js';
import { hasControlChar } from '../util/control-chars.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAINS = new Set(['index.docker.io', 'registry-1.docker.io']);

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

export interface ImageReference {
  /** Registry host as written in refs: "docker.io", "registry.k8s.io", "127.0.0.1:5000". */
  domain: string;
  /** Repository path: "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/** Parses and normalises a reference; a ref with neither tag nor digest gets `latest`. */
export function parseReference(input: string): ImageReference {
  // A newline or NUL is no part of any name; trimmed away it would name another image.
  if (hasControlChar(input)) throw new InvalidArgumentError(`image reference ${JSON.stringify(input.slice(0, 200))} contains a control character`);
  const ref = input.trim();
  if (!ref) throw new InvalidArgumentError('image reference is empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new InvalidArgumentError(`invalid digest in image reference "${input}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidArgumentError(`invalid tag in image reference "${input}"`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (LEGACY_DOMAINS.has(domain)) domain = DEFAULT_DOMAIN;
  if (!DOMAIN.test(domain)) throw new InvalidArgumentError(`invalid registry host in image reference "${input}"`);
  const port = /:(\d+)$/.exec(domain)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new InvalidArgumentError(`registry port ${port} in image reference "${input}" is not 1-65535`);
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (!path || !path.split('/').every((c) => COMPONENT.test(c))) {
    throw new InvalidArgumentError(`invalid repository name in image reference "${input}" (lowercase letters, digits and separators only)`);
  }
  if (path.length + domain.length + 1 > 255) throw new InvalidArgumentError(`image reference "${input}" is too long`);
  if (!tag && !digest) tag = 'latest';
  const out: ImageReference = { domain, path };
  if (tag) out.tag = tag;
  if (digest) out.digest = digest;
  return out;
}

/** "docker.io/library/busybox" */
export function repoName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

export function formatReference(r: ImageReference): string {
  return repoName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** The tagged form "docker.io/library/busybox:latest", or undefined for digest-only refs. */
export function tagRef(r: ImageReference): string | undefined {
  return r.tag && !r.digest ? `${repoName(r)}:${r.tag}` : undefined;
}

export function digestRef(r: ImageReference, digest: string): string {
  return `${repoName(r)}@${digest}`;
}
