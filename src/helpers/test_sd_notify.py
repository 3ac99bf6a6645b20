"""Unit tests of sd_notify.py: a real datagram socket receives what it sends."""
import os
import socket
import subprocess
import sys
import tempfile
import unittest

from sd_notify import address

HERE = os.path.dirname(os.path.abspath(__file__))


class NotifyCase(unittest.TestCase):
    def run_helper(self, target, lines):
        env = {"PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": target}
        return subprocess.run([sys.executable, "-E", "-s", os.path.join(HERE, "sd_notify.py")],
                              input=lines, capture_output=True, env=env, timeout=60)

    def test_each_line_is_one_datagram(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notify.sock")
            recv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            recv.bind(path)
            recv.settimeout(30)
            try:
                r = self.run_helper(path, b"READY=1\nSTATUS=serving\nSTOPPING=1\n")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, b"ok\nok\nok\n")
                self.assertEqual([recv.recv(4096) for _ in range(3)], [b"READY=1", b"STATUS=serving", b"STOPPING=1"])
            finally:
                recv.close()

    def test_abstract_socket(self):
        name = "rktlet-test-notify-%d" % os.getpid()
        recv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        recv.bind("\0" + name)
        recv.settimeout(30)
        try:
            r = self.run_helper("@" + name, b"READY=1\n")
            self.assertEqual(r.stdout, b"ok\n")
            self.assertEqual(recv.recv(4096), b"READY=1")
        finally:
            recv.close()

    def test_no_listener_is_reported_not_fatal(self):
        with tempfile.TemporaryDirectory() as d:
            r = self.run_helper(os.path.join(d, "absent.sock"), b"READY=1\nSTOPPING=1\n")
            self.assertEqual(r.returncode, 0)
            self.assertEqual(r.stdout.decode().splitlines(), ["error No such file or directory"] * 2)

    def test_bad_address(self):
        self.assertEqual(address("@x"), "\0x")
        self.assertEqual(address("/run/systemd/notify"), "/run/systemd/notify")
        self.assertRaises(ValueError, address, "vsock:2:1234")
        self.assertRaises(ValueError, address, "")
        self.assertEqual(self.run_helper("relative.sock", b"READY=1\n").returncode, 2)


if __name__ == "__main__":
    unittest.main()
