"""User namespaces for pods with hostUsers: false (src/pod/userns.ts runs it as root).

  userns_mounts.py pin JSON      creates a user namespace with the pod's uid/gid maps and, owned
                                 by it, the pod's IPC and UTS namespaces (hostname set); each is
                                 bind-mounted on its file (as `unshare --user=FILE` would, but
                                 util-linux 2.38 needs newuidmap for --map-users).
  userns_mounts.py overlay JSON  mounts an overlay whose lower layers are idmapped mounts (through
                                 the pinned user namespace: files owned by 0 on disk show as the
                                 pod's root), so the image keeps its owners inside the pod. The
                                 staging mounts are detached at once: overlayfs keeps private
                                 clones of its layers.
Errors go to stderr with the syscall that failed; exit status 3.
"""
import ctypes
import errno
import json
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
# open_tree, move_mount and mount_setattr have these numbers on every architecture (asm-generic).
SYS_open_tree, SYS_move_mount, SYS_mount_setattr = 428, 429, 442
OPEN_TREE_CLONE, O_CLOEXEC, AT_EMPTY_PATH, AT_FDCWD = 1, 0o2000000, 0x1000, -100
MOUNT_ATTR_IDMAP, MOVE_MOUNT_F_EMPTY_PATH, MNT_DETACH, MS_BIND = 0x00100000, 0x4, 2, 4096
CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS = 0x10000000, 0x08000000, 0x04000000


class MountAttr(ctypes.Structure):
    _fields_ = [('attr_set', ctypes.c_uint64), ('attr_clr', ctypes.c_uint64),
                ('propagation', ctypes.c_uint64), ('userns_fd', ctypes.c_uint64)]


class Failed(Exception):
    pass


def check(rc, what):
    if rc < 0:
        e = ctypes.get_errno()
        raise Failed('%s: %s (%s)' % (what, errno.errorcode.get(e, str(e)), os.strerror(e)))
    return rc


def id_map(ms):
    return ''.join('%d %d %d\n' % (m['container_id'], m['host_id'], m['length']) for m in ms)


def pin(req):
    flags = CLONE_NEWUSER | (CLONE_NEWIPC if req.get('ipc') else 0) | (CLONE_NEWUTS if req.get('uts') else 0)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The child makes the namespaces; the parent (still in the host's) maps and pins them.
        if libc.unshare(flags) != 0:
            os.write(ready_w, b'e')
            os._exit(1)
        os.write(ready_w, b'x')
        os.read(go_r, 1)
        name = (req.get('hostname') or '').encode()
        if req.get('uts') and name and libc.sethostname(ctypes.c_char_p(name), ctypes.c_size_t(len(name))) != 0:
            os.write(done_w, b'e')
            os._exit(1)
        os.write(done_w, b'x')
        os.read(go_r, 1)
        os._exit(0)
    try:
        if os.read(ready_r, 1) != b'x':
            raise Failed('unshare: the kernel refused a new user namespace')
        with open('/proc/%d/uid_map' % pid, 'w') as f:
            f.write(id_map(req['uids']))
        with open('/proc/%d/gid_map' % pid, 'w') as f:
            f.write(id_map(req['gids']))
        os.write(go_w, b'x')
        if os.read(done_r, 1) != b'x':
            raise Failed('sethostname failed in the new UTS namespace')
        for kind in ('user', 'ipc', 'uts'):
            if req.get(kind):
                src = ('/proc/%d/ns/%s' % (pid, kind)).encode()
                check(libc.mount(src, req[kind].encode(), None, MS_BIND, None), 'bind-mounting the %s namespace' % kind)
    finally:
        os.write(go_w, b'xx')
        os.waitpid(pid, 0)


def idmapped_clone(src, dst, userns_fd):
    tree = check(libc.syscall(ctypes.c_long(SYS_open_tree), ctypes.c_int(AT_FDCWD), ctypes.c_char_p(src.encode()),
                              ctypes.c_uint(OPEN_TREE_CLONE | O_CLOEXEC)), 'open_tree ' + src)
    try:
        attr = MountAttr(MOUNT_ATTR_IDMAP, 0, 0, userns_fd)
        check(libc.syscall(ctypes.c_long(SYS_mount_setattr), ctypes.c_int(tree), ctypes.c_char_p(b''), ctypes.c_uint(AT_EMPTY_PATH),
                           ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr))), 'mount_setattr(MOUNT_ATTR_IDMAP) ' + src)
        check(libc.syscall(ctypes.c_long(SYS_move_mount), ctypes.c_int(tree), ctypes.c_char_p(b''), ctypes.c_int(AT_FDCWD),
                           ctypes.c_char_p(dst.encode()), ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH)), 'move_mount ' + dst)
    finally:
        os.close(tree)


def overlay(req):
    os.chdir(req['cwd'])
    ns = os.open(req['userns'], os.O_RDONLY | os.O_CLOEXEC)
    staged = []
    try:
        for i, low in enumerate(req['lowers']):
            dst = os.path.join(req['stage'], str(i))
            os.makedirs(dst, exist_ok=True)
            idmapped_clone(low, dst, ns)
            staged.append(dst)
        opts = 'lowerdir=%s,upperdir=%s,workdir=%s' % (':'.join(staged), req['upper'], req['work'])
        check(libc.mount(b'overlay', req['target'].encode(), b'overlay', 0, opts.encode()), 'mounting the overlay')
    finally:
        for s in staged:
            libc.umount2(s.encode(), MNT_DETACH)
        os.close(ns)


def main(argv):
    try:
        {'pin': pin, 'overlay': overlay}[argv[0]](json.loads(argv[1]))
    except Failed as e:
        sys.stderr.write('%s\n' % e)
        return 3
    return 0
