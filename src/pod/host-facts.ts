// Facts about the host the pod part reads once: our own oom_score_adj (the floor when
// restrict_oom_score_adj is on) and the host's resolv.conf / hosts / hostname.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { capabilitiesFromMask } from '../oci/spec/security.js';

export async function ownOomScoreAdj(): Promise<number> {
  try {
    return Number((await readFile('/proc/self/oom_score_adj', 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

/** The capabilities in our own bounding set: all a privileged pod can get (the runtime grants no more). */
export async function ownCapabilities(): Promise<string[] | undefined> {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'));
    return m ? capabilitiesFromMask(m[1]!) : undefined;
  } catch {
    return undefined;
  }
}

export async function hostResolvConf(): Promise<string> {
  return readFile('/etc/resolv.conf', 'utf8').catch(() => '');
}

export async function hostHosts(): Promise<string> {
  return readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n');
}

export function hostName(): string {
  return hostname();
}
