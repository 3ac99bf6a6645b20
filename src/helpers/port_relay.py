"""Connects to 127.0.0.1:PORT (run under `nsenter --net=<netns>`: the pod's loopback) and relays
it over pipes; reports "ok" on fd 3 once connected, errors on stderr.
Usage: port_relay.py PORT
"""
import os
import socket
import sys

from framing import Route, pump, write_all


def relay(s, stdin=0, stdout=1):
    def stdin_ended():
        s.shutdown(socket.SHUT_WR)
        return False
    pump({s.fileno(): Route(lambda d: write_all(stdout, d)),
          stdin: Route(s.sendall, stdin_ended)})


def main(argv):
    port = int(argv[0])
    try:
        s = socket.create_connection(("127.0.0.1", port))
    except OSError as e:
        sys.stderr.write("dial tcp4 127.0.0.1:%d: %s\n" % (port, e.strerror))
        return 1
    os.write(3, b"ok\n")
    os.close(3)
    relay(s)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
