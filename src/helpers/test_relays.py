"""Unit tests of the three relays, each run as the daemon runs it: its own process, real pipes,
a real pty and real sockets."""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def start(case, program, *args):
    """The relay with pipes on stdin, stdout, stderr and fd 3 (ours: .ctl, the parent end of fd 3),
    all closed and the relay gone when the test ends."""
    ctl_parent, ctl_child = socket.socketpair()
    # Our fds are not inherited (python's default) but the dup at 3 is; close_fds would close it.
    p = subprocess.Popen([sys.executable, os.path.join(HERE, program), *args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         close_fds=False, preexec_fn=lambda: os.dup2(ctl_child.fileno(), 3))
    ctl_child.close()
    p.ctl = ctl_parent

    def finish():
        if p.poll() is None:
            p.kill()
        p.wait()
        for f in (p.stdin, p.stdout, p.stderr, p.ctl):
            f.close()
    case.addCleanup(finish)
    return p


def read_until(stream, text, limit=65536):
    buf = b""
    while text not in buf and len(buf) < limit:
        b = os.read(stream.fileno(), 4096)
        if not b:
            break
        buf += b
    return buf


class PtyRelayTest(unittest.TestCase):
    def test_terminal_size_input_output_and_exit_code(self):
        p = start(self, "pty_relay.py", "spawn", "--", "sh", "-c", "echo ready; read x; stty size; echo \"got $x\"; exit 3")
        p.ctl.sendall(b"30 100\n")
        out = read_until(p.stdout, b"ready")
        p.stdin.write(b"hello\n")
        p.stdin.flush()
        out += p.stdout.read()
        self.assertEqual(p.wait(10), 3)
        self.assertIn(b"30 100", out)
        self.assertIn(b"got hello", out)

    def test_end_of_input_is_typed_as_ctrl_d(self):
        p = start(self, "pty_relay.py", "spawn", "--", "cat")
        out, _ = p.communicate(b"line\n", timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"line", out)

    def test_killed_command_exits_128_plus_signal(self):
        p = start(self, "pty_relay.py", "spawn", "--", "sh", "-c", "kill -KILL $$")
        p.communicate(timeout=10)
        self.assertEqual(p.returncode, 128 + 9)


class AttachRelayTest(unittest.TestCase):
    def test_demultiplexes_conmon_messages_and_passes_stdin_and_its_end(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "attach")
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            srv.bind(path)
            srv.listen(1)
            got = []

            def conmon():
                c, _ = srv.accept()
                c.sendall(b"\x02out ")
                c.sendall(b"\x03err")
                c.sendall(b"\x09dropped")
                c.sendall(b"\x02done")
                while True:
                    m = c.recv(8192)
                    if not m:  # our stdin ended: a write shutdown
                        break
                    got.append(m)
                c.close()
            t = threading.Thread(target=conmon)
            t.start()
            p = start(self, "attach_relay.py", path)
            out, err = p.communicate(b"typed", timeout=10)
            t.join(10)
            self.assertEqual((p.returncode, out, err), (0, b"out done", b""))
            self.assertEqual(p.ctl.recv(100), b"err")
            self.assertEqual(b"".join(got), b"typed")
            srv.close()
    
    def test_a_missing_socket_is_a_message_and_exit_1(self):
        p = start(self, "attach_relay.py", "/nonexistent/attach")
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"cannot connect to the attach socket", err)


class PortRelayTest(unittest.TestCase):
    def test_reports_ok_then_relays_both_ways(self):
        srv = socket.create_server(("127.0.0.1", 0))
        port = srv.getsockname()[1]

        def echo():
            c, _ = srv.accept()
            data = b""
            while True:
                b = c.recv(65536)
                if not b:
                    break
                data += b
            c.sendall(data.upper())
            c.close()
        t = threading.Thread(target=echo)
        t.start()
        p = start(self, "port_relay.py", str(port))
        self.assertEqual(p.ctl.recv(10), b"ok\n")
        out, err = p.communicate(b"ping" * 50000, timeout=10)
        t.join(10)
        self.assertEqual((p.returncode, out, err), (0, b"PING" * 50000, b""))
        srv.close()

    def test_a_refused_port_is_a_message_and_exit_1(self):
        bound = socket.socket()  # bound, never listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        p = start(self, "port_relay.py", str(bound.getsockname()[1]))
        _, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"dial tcp4 127.0.0.1:", err)
        bound.close()


if __name__ == "__main__":
    unittest.main()
