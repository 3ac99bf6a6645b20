// A terminal for an exec'd process. Node cannot allocate a pty, so a small python3 helper (run
// with `python3 -c`, no file to install) runs the command on a new pty and relays over pipes:
//   stdin → pty master (EOF becomes ^D, as a user typing it), pty master → stdout,
//   fd 3: lines "<rows> <cols>" → TIOCSWINSZ on the master (the kernel sends SIGWINCH).
// For containers the command is `runc exec --tty …`: runc 1.1 takes a --console-socket only
// when it detaches (and then nobody reaps the process for its exit code), so runc runs attached
// on this pty, allocates the container's own pty in its devpts and copies between the two; on
// SIGWINCH it copies our terminal size onto the container's.
// Usage: python3 -c PTY_RELAY_PY spawn -- CMD…; exits with CMD's code (128+signal when killed).

export const PTY_RELAY_PY = String.raw`
import os, sys, pty, select, signal, struct, fcntl, termios, subprocess, errno
sep = sys.argv.index('--')
cmd = sys.argv[sep + 1:]
proc = None
def forward(sig, _frame):
    if proc is not None and proc.poll() is None:
        try: proc.send_signal(sig)
        except OSError: pass
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, forward)
master, slave = pty.openpty()
def child_setup():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup, close_fds=True)
os.close(slave)
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
