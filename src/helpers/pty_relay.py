"""Runs a command on a new pty and relays it over pipes (streaming/pty-relay.ts says why):
  stdin -> pty master (its end becomes ^D, as a user typing it), pty master -> stdout,
  fd 3: lines "<rows> <cols>" -> TIOCSWINSZ on the master (the kernel sends SIGWINCH).
Usage: pty_relay.py spawn -- CMD...; exits with CMD's code (128+signal when killed).
"""
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios

from framing import Route, pump, write_all


def set_size(master, line):
    """Applies one "<rows> <cols>" line; anything else is ignored."""
    try:
        rows, cols = (int(x) for x in line.split())
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    except (ValueError, OSError):
        pass


class SizeLines:
    """Splits the control fd's bytes into lines and applies each."""

    def __init__(self, master):
        self.master = master
        self.buf = b""

    def __call__(self, data):
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            set_size(self.master, line)


def drain(master, out):
    """Copies what the terminal still holds once its process is gone."""
    os.set_blocking(master, False)
    try:
        while True:
            data = os.read(master, 65536)
            if not data:
                break
            write_all(out, data)
    except OSError:
        pass


def type_eof(master):
    try:
        write_all(master, b"\x04")
    except OSError:
        pass
    return False


def relay(master, proc, stdin=0, stdout=1, ctl=3):
    """Copies between the pipes and the terminal until the terminal ends or its process is gone."""
    def gone():
        if proc.poll() is None:
            return False
        drain(master, stdout)
        return True

    pump({master: Route(lambda d: write_all(stdout, d)),
          stdin: Route(lambda d: write_all(master, d), lambda: type_eof(master)),
          ctl: Route(SizeLines(master), lambda: False, 4096)},
         idle=gone, tick=0.1)


def main(argv):
    cmd = argv[argv.index("--") + 1:]
    proc = None

    def forward(sig, _frame):
        if proc is not None and proc.poll() is None:
            try:
                proc.send_signal(sig)
            except OSError:
                pass
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, forward)
    master, slave = pty.openpty()

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup, close_fds=True)
    os.close(slave)
    relay(master, proc)
    rc = proc.wait()
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
