// A terminal for an exec'd process. Node can neither allocate a pty nor receive the pty master
// fd that `runc exec --tty --console-socket` sends (SCM_RIGHTS), so a small python3 helper (run
// with `python3 -c`, no file to install) does both and relays bytes over plain pipes:
//   stdin → pty master (EOF becomes ^D, as a user typing it), pty master → stdout,
//   fd 3: lines "<rows> <cols>" → TIOCSWINSZ on the master (the kernel sends SIGWINCH).
// Modes: `spawn -- CMD…` runs CMD on a new pty (the host backend for tests);
//        `console SOCKET -- CMD…` runs CMD (runc exec --console-socket SOCKET …) and relays the
//        pty master runc hands over, so the terminal is the container's own devpts.
// The helper exits with the command's exit code (128+signal when killed).

export const PTY_RELAY_PY = String.raw`
import os, sys, pty, select, signal, struct, fcntl, termios, socket, subprocess, errno
mode = sys.argv[1]
sep = sys.argv.index('--')
opts, cmd = sys.argv[2:sep], sys.argv[sep + 1:]
proc = None
def forward(sig, _frame):
    if proc is not None and proc.poll() is None:
        try: proc.send_signal(sig)
        except OSError: pass
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, forward)
if mode == 'spawn':
    master, slave = pty.openpty()
    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup, close_fds=True)
    os.close(slave)
else:
    path = opts[0]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=2, stderr=2, close_fds=True)
    master = None
    while master is None:
        r, _, _ = select.select([srv], [], [], 0.1)
        if r:
            conn, _ = srv.accept()
            _msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
            conn.close()
            if fds: master = fds[0]
            for extra in fds[1:]: os.close(extra)
        elif proc.poll() is not None:
            sys.exit(proc.returncode if proc.returncode >= 0 else 128 - proc.returncode)
    srv.close()
    os.unlink(path)
def write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
            data = data[n:]
        except OSError as e:
            if e.errno == errno.EAGAIN:
                select.select([], [fd], [])
                continue
            raise
watch = [master, 0, 3]
ctl = b''
done = False
while True:
    r, _, _ = select.select(watch, [], [], 0.1)
    if master in r:
        try: data = os.read(master, 65536)
        except OSError: data = b''
        if not data: break
        write_all(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if data: write_all(master, data)
        else:
            watch.remove(0)
            try: write_all(master, b'\x04')
            except OSError: pass
    if 3 in r:
        data = os.read(3, 4096)
        if not data: watch.remove(3)
        ctl += data
        while b'\n' in ctl:
            line, ctl = ctl.split(b'\n', 1)
            try:
                rows, cols = (int(x) for x in line.split())
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
            except (ValueError, OSError): pass
    if not r and proc.poll() is not None:
        # The process is gone: drain what the terminal still holds, then stop.
        os.set_blocking(master, False)
        try:
            while True:
                data = os.read(master, 65536)
                if not data: break
                write_all(1, data)
        except OSError: pass
        break
rc = proc.wait()
sys.exit(rc if rc >= 0 else 128 - rc)
`;

/** Debian's interpreter, not whatever python3 comes first on PATH. */
export const PYTHON = '/usr/bin/python3';
