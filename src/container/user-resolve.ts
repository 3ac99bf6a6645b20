// Who the container runs as: the request's run_as_* fields or the image's User, with names looked
// up in the image's own /etc/passwd and /etc/group (contents passed in: this file does no I/O).
import { InvalidArgumentError } from '../errors/catalog.js';
import type { ResolvedUser } from '../oci/spec/user.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || f[2] === '') continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    const members = (f[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    out.push({ name: f[0]!, gid, members });
  }
  return out;
}

export interface UserRequest {
  /** run_as_user, when set. */
  runAsUser?: number;
  runAsUsername?: string;
  runAsGroup?: number;
  supplementalGroups: number[];
  /**
   * The CRI's SupplementalGroupsPolicy Strict: no groups from the image's /etc/group, only the
   * primary group and the requested ones (Merge, the default, adds the user's /etc/group groups).
   */
  strictGroups?: boolean;
  /** The image config's User: "", "uid", "name", "uid:gid", "name:group". */
  imageUser: string;
}

const isNumeric = (s: string): boolean => /^\d+$/.test(s);

function lookupUser(spec: string, passwd: PasswdEntry[]): { uid: number; gid: number; name?: string } {
  if (isNumeric(spec)) {
    const uid = Number(spec);
    const e = passwd.find((p) => p.uid === uid);
    return e ? { uid, gid: e.gid, name: e.name } : { uid, gid: 0 };
  }
  const e = passwd.find((p) => p.name === spec);
  if (!e) throw new InvalidArgumentError(`user "${spec}" not found in the image's /etc/passwd`);
  return { uid: e.uid, gid: e.gid, name: e.name };
}

function lookupGroup(spec: string, groups: GroupEntry[]): number {
  if (isNumeric(spec)) return Number(spec);
  const g = groups.find((e) => e.name === spec);
  if (!g) throw new InvalidArgumentError(`group "${spec}" not found in the image's /etc/group`);
  return g.gid;
}

/**
 * Resolves the user. Order (as containerd): run_as_username, else run_as_user, else the image
 * User; run_as_group (or the image's ":group") overrides the primary group. Supplementary groups
 * are the primary gid, the groups /etc/group lists the user in (not with strictGroups), then the
 * requested ones.
 */
export function resolveUser(req: UserRequest, passwdText: string, groupText: string): ResolvedUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  let user: { uid: number; gid: number; name?: string };
  let groupSpec: string | undefined;
  if (req.runAsUsername) {
    user = lookupUser(req.runAsUsername, passwd);
  } else if (req.runAsUser !== undefined) {
    user = lookupUser(String(req.runAsUser), passwd);
  } else {
    const [u, g] = req.imageUser.split(':', 2);
    user = u ? lookupUser(u, passwd) : lookupUser('0', passwd);
    groupSpec = g || undefined;
  }
  let gid = user.gid;
  if (req.runAsGroup !== undefined) gid = req.runAsGroup;
  else if (groupSpec !== undefined) gid = lookupGroup(groupSpec, groups);

  const gids: number[] = [gid];
  if (user.name && !req.strictGroups) for (const g of groups) if (g.members.includes(user.name)) gids.push(g.gid);
  gids.push(...req.supplementalGroups);
  const additionalGids = [...new Set(gids)];
  const out: ResolvedUser = { uid: user.uid, gid, additionalGids };
  if (user.name) out.username = user.name;
  return out;
}

/** SupplementalGroupsPolicy → strictGroups; an enum value this runtime does not know is refused. */
export function strictGroupsPolicy(policy: string | number | undefined): boolean {
  if (policy === undefined || policy === 'Merge' || policy === 0) return false;
  if (policy === 'Strict' || policy === 1) return true;
  throw new InvalidArgumentError(`supplemental_groups_policy ${JSON.stringify(policy)} is not Merge or Strict`);
}
