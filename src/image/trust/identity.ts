// signedIdentity (containers-policy.json(5)): what the identity a signature claims
// (`critical.identity.docker-reference`) must be for the image being pulled. cosign writes only the
// repository there (sigstore's payload.Cosign: Repository.Name()), so a cosign signature passes
// matchRepository / exactRepository always, and the default matchRepoDigestOrExact only for a
// digest-pinned pull (the format's own note; `rktlet trust set` writes matchRepository for that).
import { parseReference, repoName, type ImageReference } from '../reference.js';
import { PolicyError } from './policy-error.js';

export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

/** A docker reference as a signature states it: repository, and the tag or digest only if written. */
export interface ClaimedRef {
  repo: string;
  /** ":tag" or "@sha256:…", or "" when the claim names only a repository. */
  suffix: string;
}

/** Reads a claimed or configured reference without the `:latest` reference.ts adds to bare names. */
export function claimedRef(s: string): ClaimedRef {
  const r = parseReference(s);
  const repo = repoName(r);
  const at = s.lastIndexOf('@');
  const hasTag = s.slice(0, at === -1 ? undefined : at).lastIndexOf(':') > s.lastIndexOf('/');
  return { repo, suffix: r.digest ? `@${r.digest}` : hasTag ? `:${r.tag}` : '' };
}

function strField(o: Record<string, unknown>, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string' || !v) throw new PolicyError(`${where}: "${k}" must be a non-empty string`);
  return v;
}

function refField(o: Record<string, unknown>, k: string, where: string, wantPinned: boolean): string {
  const v = strField(o, k, where);
  let c: ClaimedRef;
  try {
    c = claimedRef(v);
  } catch (err) {
    throw new PolicyError(`${where}: "${k}" ${JSON.stringify(v)} is not a docker reference: ${(err as Error).message}`);
  }
  if (wantPinned !== (c.suffix !== '')) throw new PolicyError(`${where}: "${k}" must ${wantPinned ? 'carry a tag or digest' : 'name a repository without tag or digest'}`);
  return c.repo + c.suffix;
}

export function parseIdentity(v: unknown, where: string): SignedIdentity {
  if (v === undefined) return { type: 'matchRepoDigestOrExact' };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PolicyError(`${where}: must be an object`);
  const o = v as Record<string, unknown>;
  const only = (keys: string[]) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw new PolicyError(`${where}: unknown field "${k}"`);
  };
  switch (o.type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      only(['type']);
      return { type: o.type };
    case 'exactReference':
      only(['type', 'dockerReference']);
      return { type: 'exactReference', dockerReference: refField(o, 'dockerReference', where, true) };
    case 'exactRepository':
      only(['type', 'dockerRepository']);
      return { type: 'exactRepository', dockerRepository: refField(o, 'dockerRepository', where, false) };
    case 'remapIdentity':
      only(['type', 'prefix', 'signedPrefix']);
      return { type: 'remapIdentity', prefix: strField(o, 'prefix', where), signedPrefix: strField(o, 'signedPrefix', where) };
    default:
      throw new PolicyError(`${where}: unknown signedIdentity type ${JSON.stringify(o.type)}`);
  }
}

function imageSuffix(ref: ImageReference): string {
  return ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
}

/** Digest refs: same repository; tagged refs: exactly the same name and tag. */
function repoDigestOrExact(imageRepo: string, ref: ImageReference, claim: ClaimedRef): boolean {
  if (ref.digest) return claim.repo === imageRepo;
  return claim.repo === imageRepo && claim.suffix === imageSuffix(ref);
}

/** Whether a signature claiming `claimed` may vouch for the image `ref`; a reason when not. */
export function identityMismatch(id: SignedIdentity, ref: ImageReference, claimed: string): string | undefined {
  let claim: ClaimedRef;
  try {
    claim = claimedRef(claimed);
  } catch {
    return `its identity ${JSON.stringify(claimed)} is not a docker reference`;
  }
  const repo = repoName(ref);
  let ok: boolean;
  switch (id.type) {
    case 'matchExact':
      ok = claim.repo === repo && claim.suffix === imageSuffix(ref);
      break;
    case 'matchRepoDigestOrExact':
      ok = repoDigestOrExact(repo, ref, claim);
      break;
    case 'matchRepository':
      ok = claim.repo === repo;
      break;
    case 'exactReference':
      ok = claim.repo + claim.suffix === id.dockerReference;
      break;
    case 'exactRepository':
      ok = claim.repo === id.dockerRepository;
      break;
    case 'remapIdentity': {
      // The prefix matches whole components (or the host[:port]) of the fully expanded name.
      const p = id.prefix;
      const mapped = repo === p || repo.startsWith(p.endsWith('/') ? p : `${p}/`) ? id.signedPrefix + repo.slice(p.length) : repo;
      ok = repoDigestOrExact(mapped, ref, claim);
      break;
    }
  }
  if (ok) return undefined;
  return `it is for ${claim.repo + claim.suffix}, which signedIdentity ${id.type} does not accept for ${repo}${imageSuffix(ref)}`;
}
