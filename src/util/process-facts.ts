// Facts about the daemon's own process that bound what it can give containers and pods.
import { readFile } from 'node:fs/promises';
import { capabilitiesFromMask } from '../oci/spec/security.js';

/** Our own oom_score_adj: the floor when runtime.restrict_oom_score_adj is on. */
export async function ownOomScoreAdj(): Promise<number> {
  try {
    return Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

/** The capabilities in our own bounding set, by name: all a container or pod can be given. */
export async function ownCapabilities(): Promise<string[] | undefined> {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'));
    return m ? capabilitiesFromMask(m[1]!) : undefined;
  } catch {
    return undefined;
  }
}
