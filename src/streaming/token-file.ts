// Streaming URLs outlive a daemon restart: the kubelet hands the URL from Exec/Attach/PortForward
// to the client right after the call, and a restart in between must not turn it into a connection
// that hangs or an unknown token. The token cache is written to <run_root>/streaming/tokens.json
// (0600 in a 0700 directory; token hashes only, never the tokens) after every change, and read
// back at start, expired entries dropped. run_root is volatile, so nothing survives a reboot.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors/catalog.js';
import type { Logger } from '../log/logger.js';
import type { StreamingRequest } from './remotecommand.js';
import { TokenCache, type TokenEntry } from './token-cache.js';

const FILE = 'tokens.json';

/** The streaming part's directory under run_root (also holds the port file). */
export function streamingStateDir(runRoot: string): string {
  return join(runRoot, 'streaming');
}

function isRequest(v: unknown): v is StreamingRequest {
  const r = v as Partial<StreamingRequest> | null;
  if (!r || typeof r !== 'object') return false;
  if (r.kind === 'portforward') return typeof r.podSandboxId === 'string' && Array.isArray(r.ports) && r.ports.every((p) => Number.isInteger(p));
  if (r.kind !== 'exec' && r.kind !== 'attach') return false;
  return typeof r.containerId === 'string' && Array.isArray(r.cmd) && r.cmd.every((c) => typeof c === 'string') && [r.stdin, r.stdout, r.stderr, r.tty].every((b) => typeof b === 'boolean');
}

function isEntry(e: unknown): e is TokenEntry<StreamingRequest> {
  const x = e as Partial<TokenEntry<unknown>> | null;
  return !!x && typeof x.hash === 'string' && /^[0-9a-f]{64}$/.test(x.hash) && typeof x.expires === 'number' && isRequest(x.value);
}

export class PersistentTokens {
  private readonly file: string | undefined;
  private writing: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;

  constructor(
    private readonly cache: TokenCache<StreamingRequest>,
    private readonly log: Logger,
    /** Undefined: kept in memory only (tests of the server alone). */
    private readonly dir?: string,
  ) {
    this.file = dir && join(dir, FILE);
  }

  /** Reads what a previous daemon left; a file that cannot be read is logged and ignored. */
  async load(): Promise<number> {
    if (!this.dir || !this.file) return 0;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Temp files of a daemon killed mid-write.
    for (const f of await readdir(this.dir)) if (f.startsWith(`${FILE}.`) && f.endsWith('.tmp')) await unlink(join(this.dir, f)).catch(() => undefined);
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return 0;
      throw err;
    }
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch (err) {
      this.log.warn({ file: this.file, err: (err as Error).message }, 'ignoring an unreadable streaming token file');
      return 0;
    }
    const entries = Array.isArray(list) ? list.filter(isEntry) : [];
    return this.cache.restore(entries);
  }

  insert(value: StreamingRequest): Promise<string> {
    const token = this.cache.insert(value);
    // A write that fails (disk full) is logged: the URL still works until this daemon stops.
    return this.save().then(
      () => token,
      () => token,
    );
  }

  /** Takes a token out, and waits until the file no longer has it (a token works once, restarts included). */
  async consume(token: string): Promise<StreamingRequest | undefined> {
    const v = this.cache.consume(token);
    if (v) await this.save().catch(() => undefined);
    return v;
  }

  /**
   * Writes the cache as it is when the write starts. Calls made while a write is queued share it,
   * so a burst of Exec calls costs a few writes, and each caller's change is on disk when it resolves.
   */
  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    if (this.next) return this.next;
    const p = this.writing.then(() => {
      this.next = undefined;
      return replaceFile(file, JSON.stringify(this.cache.snapshot()));
    });
    this.next = p;
    this.writing = p.catch((err: unknown) => this.log.warn({ err, file: this.file }, 'cannot write the streaming token file'));
    return p;
  }
}

/**
 * Temp file and rename, without fsync: the file must survive the daemon being killed (which a
 * rename does), not a power loss (run_root is volatile, and tokens live a minute), and an fsync
 * would add a disk flush to every Exec.
 */
async function replaceFile(file: string, data: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, file).catch(async (err: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw err;
  });
}
