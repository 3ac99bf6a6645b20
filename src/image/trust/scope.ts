// Scopes of the `docker` transport (containers-policy.json(5)): an image's fully expanded name with
// its tag or digest, then its repository, each parent namespace, the registry host, and wildcard
// parents of the host (`*.example.com`). The most specific scope the policy names decides alone.
import { PolicyError } from './policy-error.js';
import { isDigest, repoName, type ImageReference } from '../reference.js';

// Repository components and a host[:port] or [v6]:port, as reference.ts reads them.
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const WILDCARD = /^\*\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

/**
 * Checks that a scope is one the docker transport can match: "" (the transport default), a host,
 * a `*.domain` wildcard, or a fully expanded repository or namespace, with or without a tag or
 * digest. `busybox` would never match anything (scopes are fully expanded: docker.io/library/busybox).
 */
export function checkScope(scope: string, where: string): void {
  if (scope === '' || WILDCARD.test(scope)) return;
  let rest = scope;
  const at = rest.indexOf('@');
  if (at !== -1) {
    if (!isDigest(rest.slice(at + 1))) throw new PolicyError(`${where}: invalid digest in scope`);
    rest = rest.slice(0, at);
  }
  let pinned = at !== -1;
  const colon = rest.lastIndexOf(':');
  if (rest.includes('/') && colon > rest.lastIndexOf('/')) {
    if (pinned || !TAG.test(rest.slice(colon + 1))) throw new PolicyError(`${where}: invalid tag in scope`);
    rest = rest.slice(0, colon);
    pinned = true;
  }
  const [host, ...path] = rest.split('/');
  if (!HOST.test(host!)) throw new PolicyError(`${where}: scope must start with a registry host (fully expanded, e.g. docker.io/library/busybox), got ${JSON.stringify(scope)}`);
  if (!path.every((c) => COMPONENT.test(c))) throw new PolicyError(`${where}: invalid repository name in scope ${JSON.stringify(scope)}`);
  if (pinned && path.length === 0) throw new PolicyError(`${where}: a tag or digest needs a repository`);
}

/** The scopes that apply to `ref`, most specific first (then "" and the global default). */
export function scopeCandidates(ref: ImageReference): string[] {
  const repo = repoName(ref);
  const out = [ref.digest ? `${repo}@${ref.digest}` : `${repo}:${ref.tag ?? 'latest'}`];
  const parts = repo.split('/');
  for (let n = parts.length; n >= 1; n--) out.push(parts.slice(0, n).join('/'));
  // Wildcards: a.b.example.com → *.b.example.com, *.example.com, *.com (names, not addresses).
  const host = ref.domain.replace(/:\d+$/, '');
  if (!/^[\d.]+$/.test(host) && !host.startsWith('[')) {
    const labels = host.split('.');
    for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join('.')}`);
  }
  return out;
}

/**
 * Whether a scope starts with what Docker reads as a registry host: a first component with a dot
 * or a port, or localhost. `busybox` is docker.io/library/busybox to Docker, so as a scope (a host
 * named busybox) it would silently match nothing: `rktlet trust set` refuses it. (Policy files keep
 * containers/image's looser rule, so that an operator's existing file still loads.)
 */
export function startsWithHost(scope: string): boolean {
  const host = scope.split('/')[0]!;
  return host.startsWith('*.') || host.includes('.') || host.includes(':') || host === 'localhost';
}
