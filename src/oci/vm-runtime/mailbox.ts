// The host's side of the file channel to the guest agent (./guest-scripts.ts): a request is a file
// renamed into <share>/req/ (the agent never sees it half-written); answers are files the agent
// renames into place, waited for here by polling (9p writes by QEMU are ordinary host writes, but
// a poll also notices a VM that died meanwhile).
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists } from '../../util/path-exists.js';
import { randomHex } from '../../util/random-hex.js';
import { assertPlainDirs } from './share-guard.js';

let seq = 0;

/** Queues one request line for the agent. */
export async function sendRequest(share: string, line: string): Promise<void> {
  const name = `${Date.now().toString().padStart(15, '0')}-${(seq++ % 1e6).toString().padStart(6, '0')}-${randomHex(4)}`;
  const tmp = join(share, `.req-${name}`);
  await assertPlainDirs(share, join(share, 'req'));
  await writeFile(tmp, line + '\n', { mode: 0o600, flag: 'wx' });
  await rename(tmp, join(share, 'req', name));
}

export type WaitEnd = 'found' | 'timeout' | 'aborted' | 'gone';

/**
 * Polls until one of `files` exists: 'found', or 'timeout' after `timeoutMs` (0: none), 'aborted'
 * when `signal` fires, 'gone' when `alive` says the VM stopped.
 */
export async function waitForFile(files: string[], o: { timeoutMs: number; signal?: AbortSignal; alive: () => Promise<boolean> }): Promise<WaitEnd> {
  const until = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : Infinity;
  for (let i = 0; ; i++) {
    for (const f of files) if (await pathExists(f)) return 'found';
    if (o.signal?.aborted) return 'aborted';
    if (Date.now() > until) return 'timeout';
    if (i % 20 === 19 && !(await o.alive())) return (await Promise.all(files.map(pathExists))).some(Boolean) ? 'found' : 'gone';
    await new Promise((r) => setTimeout(r, 25));
  }
}
