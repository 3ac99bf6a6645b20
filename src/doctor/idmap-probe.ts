// Can the kernel make an idmapped mount on the state disk? Answered by doing it, where nothing
// can leak: a temp dir (removed after), a private mount namespace (`unshare --mount
// --propagation private`, so the mount ends with the probe), and a throwaway user namespace
// mapping 0 → 100000. util-linux 2.38 (Debian 12) has no X-mount.idmap, so python3 makes the
// mount_setattr calls itself. Prints `ok <uid>`: the owner a root-owned file shows through the
// idmapped mount (100000 when it works).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executeDirect } from '../util/command.js';
import type { IdmapProbeResult } from './userns.js';

const PROBE_PY = String.raw`
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
# open_tree, move_mount and mount_setattr have these numbers on every architecture (asm-generic).
SYS_open_tree, SYS_move_mount, SYS_mount_setattr = 428, 429, 442
OPEN_TREE_CLONE, O_CLOEXEC, AT_EMPTY_PATH, AT_FDCWD = 1, 0o2000000, 0x1000, -100
MOUNT_ATTR_IDMAP, MOVE_MOUNT_F_EMPTY_PATH, CLONE_NEWUSER = 0x00100000, 0x4, 0x10000000
class MountAttr(ctypes.Structure):
    _fields_ = [('attr_set', ctypes.c_uint64), ('attr_clr', ctypes.c_uint64), ('propagation', ctypes.c_uint64), ('userns_fd', ctypes.c_uint64)]
def fail(what):
    e = ctypes.get_errno()
    print('%s: %s (%s)' % (what, errno.errorcode.get(e, str(e)), os.strerror(e)), file=sys.stderr)
    sys.exit(3)
src, dst = sys.argv[1], sys.argv[2]
ready_r, ready_w = os.pipe()
done_r, done_w = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(CLONE_NEWUSER) != 0:
        os._exit(1)
    os.write(ready_w, b'x')
    os.read(done_r, 1)
    os._exit(0)
try:
    os.read(ready_r, 1)
    with open('/proc/%d/uid_map' % pid, 'w') as f: f.write('0 100000 65536')
    with open('/proc/%d/setgroups' % pid, 'w') as f: f.write('deny')
    with open('/proc/%d/gid_map' % pid, 'w') as f: f.write('0 100000 65536')
    ns = os.open('/proc/%d/ns/user' % pid, os.O_RDONLY)
    tree = libc.syscall(ctypes.c_long(SYS_open_tree), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(src.encode()), ctypes.c_uint(OPEN_TREE_CLONE | O_CLOEXEC))
    if tree < 0: fail('open_tree')
    attr = MountAttr(MOUNT_ATTR_IDMAP, 0, 0, ns)
    if libc.syscall(ctypes.c_long(SYS_mount_setattr), ctypes.c_int(tree), ctypes.c_char_p(b''), ctypes.c_uint(AT_EMPTY_PATH), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr))) != 0: fail('mount_setattr')
    if libc.syscall(ctypes.c_long(SYS_move_mount), ctypes.c_int(tree), ctypes.c_char_p(b''), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(dst.encode()), ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH)) != 0: fail('move_mount')
    print('ok %d' % os.stat(os.path.join(dst, 'probe')).st_uid)
finally:
    os.write(done_w, b'x')
    os.waitpid(pid, 0)
`;

/** Runs the probe in a temp dir under `parent` (the state root, or the nearest existing parent). */
export async function probeIdmap(parent: string, fsType: string, python: string): Promise<IdmapProbeResult> {
  let dir: string;
  try {
    dir = await mkdtemp(join(parent, '.rktlet-doctor-idmap-'));
  } catch (err) {
    return { exitCode: null, stdout: '', stderr: `cannot make a temp dir in ${parent}: ${err instanceof Error ? err.message : String(err)}`, dir: parent, fsType };
  }
  try {
    const src = join(dir, 'src');
    const dst = join(dir, 'dst');
    await mkdir(src);
    await mkdir(dst);
    await writeFile(join(src, 'probe'), '');
    const r = await executeDirect('unshare', ['--mount', '--propagation', 'private', '--', python, '-c', PROBE_PY, src, dst], { timeoutMs: 5000 });
    return { exitCode: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString() + (r.timedOut ? 'timed out' : ''), dir: parent, fsType };
  } catch (err) {
    return { exitCode: null, stdout: '', stderr: err instanceof Error ? err.message : String(err), dir: parent, fsType };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
