"""sd_notify(3) for the daemon: Node.js cannot send unix datagrams, so this helper does.

It runs as long as the daemon (started once, when $NOTIFY_SOCKET is set). Each line on its stdin is
one notification ("READY=1", "STOPPING=1", "STATUS=..."), sent as one datagram to $NOTIFY_SOCKET
("/path" or "@abstract"); it answers "ok" or "error <why>" on a line of its own, so the daemon
knows STOPPING=1 left before it exits. It ends when stdin does.

Why a long-lived helper rather than `systemd-notify --ready`: systemd (before v254, as Debian 12's
252) learns which unit a datagram belongs to from the sender's cgroup, looked up when it reads the
message; a sender that has already exited, as systemd-notify usually has, is unknown then and the
message is dropped (systemd issue #2739). This process lives in the daemon's cgroup until the daemon
ends, so the lookup always succeeds (the unit needs NotifyAccess=all: the sender is not the main pid).
"""
import os
import socket
import sys


def address(value):
    """The socket address $NOTIFY_SOCKET names (a leading "@" is the abstract namespace)."""
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    raise ValueError("NOTIFY_SOCKET %r is neither an absolute path nor @abstract" % value)


def serve(target, lines, replies):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    try:
        while True:
            line = lines.readline()
            if not line:
                return 0
            message = line.rstrip(b"\n")
            try:
                sock.sendto(message, target)
                replies.write(b"ok\n")
            except OSError as err:
                replies.write(("error %s\n" % err.strerror).encode())
            replies.flush()
    finally:
        sock.close()


def main(argv):
    try:
        target = address(os.environ.get("NOTIFY_SOCKET", ""))
    except ValueError as err:
        sys.stderr.write("sd_notify: %s\n" % err)
        return 2
    return serve(target, sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
