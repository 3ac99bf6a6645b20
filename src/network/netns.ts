// Network namespaces pinned as bind-mounted files under network.netns_dir, so they outlive every
// process (the infra can die and the namespace, with its CNI attachment, stays for a clean DEL).
// The dir is made a private bind mount of itself: binding a namespace needs a non-shared parent.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '../errors/catalog.js';
import { namespaceTarget, unmountAll } from '../util/unmount.js';
import { complaintOf, runCommand } from '../util/command.js';

/** Runs a command; a failure becomes an InternalError saying `what` and the command's complaint. */
async function run(cmd: string, args: string[], what: string): Promise<void> {
  await runCommand(cmd, args).catch((err: unknown) => {
    throw new InternalError(`${what}: ${complaintOf(err)}`, { cause: err });
  });
}

/** Mount points from /proc/self/mountinfo (field 5), octal escapes decoded (pure). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_s, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return mountPoints(await readFile('/proc/self/mountinfo', 'utf8')).includes(path);
}

// One preparation per dir, shared by concurrent callers (two binds would stack two mounts).
let prepared = new Map<string, Promise<void>>();

/** Makes `dir` a private mount of itself (once per process): binding a namespace file needs that. */
export function prepareDir(dir: string): Promise<void> {
  let p = prepared.get(dir);
  if (!p) {
    p = doPrepareDir(dir);
    prepared.set(dir, p);
    p.catch(() => prepared.delete(dir));
  }
  return p;
}

async function doPrepareDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await isMountPoint(dir))) {
    await run('mount', ['--bind', dir, dir], `cannot bind-mount ${dir}`);
  }
  await run('mount', ['--make-private', dir], `cannot make ${dir} a private mount`);
}

/** Creates a new network namespace pinned at <dir>/<name>; returns its path. */
export async function createNetns(dir: string, name: string): Promise<string> {
  await prepareDir(dir);
  const path = join(dir, name);
  await writeFile(path, '', { mode: 0o644, flag: 'wx' });
  // lo comes up inside the new namespace in the same spawn (no loopback plugin to run at ADD and DEL).
  try {
    await run('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up'], `cannot create network namespace ${path}`);
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return path;
}

/** Unmounts and deletes a pinned namespace (of any kind); a missing one is not an error. */
export async function removeNetns(path: string): Promise<void> {
  await unmountAll([namespaceTarget(path)]);
}

/** For tests: forget which dirs were prepared. */
export function resetPreparedDirs(): void {
  prepared = new Map<string, Promise<void>>();
}
