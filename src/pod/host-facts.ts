// Facts about the host the pod part reads: the host's resolv.conf / hosts / hostname.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export async function hostResolvConf(): Promise<string> {
  return readFile('/etc/resolv.conf', 'utf8').catch(() => '');
}

export async function hostHosts(): Promise<string> {
  return readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n');
}

export function hostName(): string {
  return hostname();
}
