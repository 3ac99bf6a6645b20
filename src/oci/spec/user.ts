// The process identity: uid, gid and supplementary groups (already resolved from the image's files).
import type { SpecOpt } from './types.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups, primary gid first, without duplicates. */
  additionalGids: number[];
  /** The user name when known (for ContainerStatus.user and logs). */
  username?: string;
}

export function withUser(u: ResolvedUser): SpecOpt {
  return (s) => {
    s.process.user = { uid: u.uid, gid: u.gid, additionalGids: [...u.additionalGids] };
  };
}
