// Reads an image archive (`docker save` or OCI layout tarball, optionally gzip) into a scratch
// directory: regular files only, at safe paths; symlinks (docker save's shared layers) are kept
// as a map and resolved inside the archive.
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError, isErrno, NotFoundError } from '../errors/catalog.js';
import { safeComponents } from '../snapshot/unpack.js';
import { tarStream } from '../snapshot/tar-lazy.js';

export interface ExtractedArchive {
  dir: string;
  /** Normalised archive paths of regular files. */
  files: Set<string>;
  /** Symlink path → target path (normalised, inside the archive). */
  links: Map<string, string>;
}

async function firstBytes(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b;
  } finally {
    await fh.close();
  }
}

export async function extractArchive(file: string, dir: string): Promise<ExtractedArchive> {
  let head: Buffer;
  try {
    head = await firstBytes(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new NotFoundError(`archive ${file} does not exist`);
    throw err;
  }
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const source: Readable = createReadStream(file);
  // tar-stream is loaded here, at the first import, not with the daemon (snapshot/tar-lazy.ts).
  const extract = (await tarStream()).extract();
  const out: ExtractedArchive = { dir, files: new Set(), links: new Map() };
  const feeding = pipeline(source, gz ? createGunzip() : new PassThrough(), extract as unknown as NodeJS.WritableStream);
  // Observed now so a failure while entries are still being read is never an unhandled rejection.
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const parts = safeComponents(h.name, 'archive entry');
      const name = parts.join('/');
      if (h.type === 'file' && name) {
        const dest = join(dir, ...parts);
        await mkdir(dirname(dest), { recursive: true });
        const fh = await open(dest, 'wx', 0o600);
        try {
          for await (const chunk of entry) await fh.write(chunk as Buffer);
        } finally {
          await fh.close();
        }
        out.files.add(name);
      } else {
        if (h.type === 'symlink' && name) {
          const target = posix.normalize(posix.join(posix.dirname(name), h.linkname ?? ''));
          if (target.startsWith('../') || target.startsWith('/')) throw new InvalidArgumentError(`archive symlink ${name} points outside the archive`);
          out.links.set(name, target);
        }
        entry.resume();
      }
    }
    await feeding;
  } catch (err) {
    source.destroy();
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`cannot read image archive ${file}: ${(err as Error).message}`, { cause: err });
  }
  return out;
}

/** The on-disk path of an archive member, following archive symlinks. */
export function memberPath(a: ExtractedArchive, name: string): string {
  let n = posix.normalize(name).replace(/^\.\//, '');
  for (let i = 0; i < 16 && a.links.has(n); i++) n = a.links.get(n)!;
  if (!a.files.has(n)) throw new InvalidArgumentError(`image archive lacks ${name}`);
  return join(a.dir, ...n.split('/'));
}

export async function readMemberJson<T>(a: ExtractedArchive, name: string): Promise<T> {
  try {
    return JSON.parse(await readFile(memberPath(a, name), 'utf8')) as T;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`image archive member ${name} is not valid JSON`, { cause: err });
  }
}
