// The policy file named by image.signature_policy: read at every pull (so `rktlet trust set` and an
// operator's edit apply to the next pull, daemon or CLI, with no restart), and written with the
// default when absent as a process starts (the daemon, a CLI verb), never over an existing one.
import { link, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, basename } from 'node:path';
import { ConfigError, FailedPreconditionError, isErrno } from '../../errors/catalog.js';
import { writeAsideFile, writeFileAtomic } from '../../store/atomic-file.js';
import { DEFAULT_POLICY_TEXT, formatPolicy, parsePolicy, PolicyError, type Policy, type PolicyJson } from './policy.js';

export const POLICY_KEY = 'image.signature_policy';

/** Writes the default policy when `file` does not exist; true when it did write it. */
export async function ensurePolicyFile(file: string): Promise<boolean> {
  // Present: nothing to write (and a user who may read but not write its directory gets on).
  if (await stat(file).then(() => true, (err: unknown) => !isErrno(err, 'ENOENT'))) return false;
  await mkdir(dirname(file), { recursive: true });
  // Linked into place: two processes starting at once never replace each other's (or an operator's) file.
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeAsideFile(tmp, DEFAULT_POLICY_TEXT, 0o644, file);
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Reads and parses the policy. A missing or bad file fails the pull: it is written only when a
 * process starts (ensurePolicyFile), so a policy deleted under a running daemon never turns into
 * "accept anything" behind the operator's back.
 */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const why = isErrno(err, 'ENOENT') ? 'does not exist' : `cannot be read: ${(err as Error).message}`;
    throw new FailedPreconditionError(`the trust policy ${file} (${POLICY_KEY}) ${why}, so no image is accepted; \`rktlet serve\` writes the default at start, \`rktlet trust set\` writes one`);
  }
  try {
    return parsePolicy(text);
  } catch (err) {
    if (err instanceof PolicyError) throw new FailedPreconditionError(`trust policy ${file} (${POLICY_KEY}) is invalid, so no image is accepted: ${err.message}`);
    throw err;
  }
}

/** Checks `raw` parses as a policy (keys readable and all), then replaces the file with it. */
export async function savePolicy(file: string, raw: PolicyJson): Promise<void> {
  const text = formatPolicy(raw);
  parsePolicy(text);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, text, 0o644);
}

/**
 * At daemon start: writes the default policy when there is none (logged, with the line that
 * accepts unsigned images), and refuses to start on a policy that does not parse.
 */
export async function preparePolicy(file: string, log: { info: (o: object, msg: string) => void }): Promise<void> {
  if (await ensurePolicyFile(file)) log.info({ policy: file }, 'wrote the default image trust policy: it accepts unsigned images ("default": [{"type":"insecureAcceptAnything"}]); `rktlet trust set` tightens it');
  try {
    await loadPolicy(file);
  } catch (err) {
    throw new ConfigError(POLICY_KEY, (err as Error).message);
  }
}
