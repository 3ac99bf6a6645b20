// Durable small-file writes: temp file, fsync, rename, fsync of the directory.
// A reader sees either the old content or the new, never a torn file, even across a crash.
import { open, readdir, rename, readFile, unlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomHex } from '../util/random-hex.js';
import { isErrno, writeFailure } from '../errors/catalog.js';

/**
 * A failure (a full disk: ENOSPC, EDQUOT) leaves the old file as it was and no temp file behind,
 * and is reported as RESOURCE_EXHAUSTED naming the file (errors/catalog.ts writeFailure).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomHex(6)}.tmp`);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A partly written temp file would hold the very space the disk lacks, and pile up per retry.
    await unlink(tmp).catch(() => undefined);
    throw writeFailure(file, err);
  }
  await fsyncDir(dirname(file));
}

/**
 * Writes a file that is set aside to be linked or renamed into place (`what` is that place, for the
 * message): on a failure (a full disk) it is removed rather than left behind, half written, and
 * the error is RESOURCE_EXHAUSTED naming `what` when the disk or quota is out.
 */
export async function writeAsideFile(tmp: string, data: string | Uint8Array, mode: number, what: string): Promise<void> {
  try {
    await writeFile(tmp, data, { mode });
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw writeFailure(what, err);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads a JSON file; undefined when it does not exist. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/**
 * The same, read synchronously: for start-up recovery, where nothing else waits on the event loop
 * and hundreds of small reads cost a tenth of their thread-pool round trips.
 */
export function readJsonIfExistsSync<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** Whether a file name is one of writeFileAtomic's temp files (pure). */
export function isAtomicTemp(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/**
 * Deletes the temp files of writes that never reached their rename (a process killed mid-write) in
 * `dir`; returns how many. The caller holds whatever lock the writers of `dir` take, so none of
 * them is a write in progress.
 */
export async function removeAtomicTemps(dir: string): Promise<number> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter(isAtomicTemp);
  await Promise.all(names.map((n) => unlink(join(dir, n)).catch(() => undefined)));
  return names.length;
}

/** Whether `dir` holds such temp files (no lock needed to look). */
export async function hasAtomicTemps(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [] as string[])).some(isAtomicTemp);
}
