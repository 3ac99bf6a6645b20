"""Relays conmon's attach socket (SOCK_SEQPACKET, which Node cannot open) over pipes
(streaming/socket-relays.ts says more): each message from conmon starts with a byte naming the
pipe (2 stdout, 3 stderr); what we send is raw stdin, and a write shutdown tells conmon our stdin
ended. stdout goes to fd 1, stderr to fd 3.
Usage: attach_relay.py SOCKET
"""
import os
import socket
import sys

from framing import Route, pump, write_all

STDOUT, STDERR = 2, 3


def demux(outs):
    """Writes a message from conmon to the pipe its first byte names (unknown names are dropped)."""
    def on_message(msg):
        fd = outs.get(msg[0])
        if fd is not None:
            write_all(fd, msg[1:])
    return on_message


def connect(path):
    # Through /proc/self/fd of an O_PATH handle (as conmon binds it): long bundle paths fit sun_path.
    fd = os.open(path, os.O_PATH)
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect("/proc/self/fd/%d" % fd)
        return s
    finally:
        os.close(fd)


def relay(s, stdin=0, stdout=1, stderr=3):
    def stdin_ended():
        s.shutdown(socket.SHUT_WR)
        return False
    pump({s.fileno(): Route(demux({STDOUT: stdout, STDERR: stderr}), size=8193),
          stdin: Route(s.sendall, stdin_ended, 8192)})


def main(argv):
    try:
        s = connect(argv[0])
    except OSError as e:
        sys.stderr.write("cannot connect to the attach socket: %s\n" % e.strerror)
        return 1
    relay(s)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
