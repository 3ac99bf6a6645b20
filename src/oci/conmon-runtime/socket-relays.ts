// Two sockets Node cannot open itself, bridged by python3 helpers (run with `python3 -c`) over
// plain pipes:
// - conmon's attach socket is SOCK_SEQPACKET: each message from conmon starts with a byte naming
//   the pipe (2 stdout, 3 stderr); what we send is raw stdin; a write shutdown tells conmon our
//   stdin ended (conmon then closes the container's stdin unless it runs with --leave-stdin-open).
//   The relay writes stdout to fd 1 and stderr to fd 3, and connects through /proc/self/fd of an
//   O_PATH handle (as conmon binds it) so long bundle paths fit in sun_path.
// - port forwarding inside a pod: the relay runs under `nsenter --net=<netns>` and connects to
//   127.0.0.1:<port> there; it reports "ok" on fd 3 once connected, errors on stderr.

export const ATTACH_RELAY_PY = String.raw`
import os, sys, socket, select
fd = os.open(sys.argv[1], os.O_PATH)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect('/proc/self/fd/%d' % fd)
except OSError as e:
    sys.stderr.write('cannot connect to the attach socket: %s\n' % e.strerror)
    sys.exit(1)
os.close(fd)
def out(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]
watch = [s, 0]
while True:
    r, _, _ = select.select(watch, [], [])
    if s in r:
        msg = s.recv(8193)
        if not msg: break
        if msg[0] == 2: out(1, msg[1:])
        elif msg[0] == 3: out(3, msg[1:])
    if 0 in r:
        data = os.read(0, 8192)
        if data:
            s.sendall(data)
        else:
            watch.remove(0)
            s.shutdown(socket.SHUT_WR)
`;

export const PORT_RELAY_PY = String.raw`
import os, sys, socket, select
port = int(sys.argv[1])
try:
    s = socket.create_connection(('127.0.0.1', port))
except OSError as e:
    sys.stderr.write('dial tcp4 127.0.0.1:%d: %s\n' % (port, e.strerror))
    sys.exit(1)
os.write(3, b'ok\n')
os.close(3)
def out(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]
watch = [s, 0]
while watch:
    r, _, _ = select.select(watch, [], [])
    if s in r:
        data = s.recv(65536)
        if not data: break
        out(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if data: s.sendall(data)
        else:
            watch.remove(0)
            s.shutdown(socket.SHUT_WR)
`;
