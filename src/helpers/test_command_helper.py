"""Unit tests of command_helper.py over its real protocol: frames on its stdin and stdout."""
import os
import subprocess
import sys
import threading
import time
import unittest

from framing import read_frame, write_frame

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {"PATH": "/usr/bin:/bin"}


class HelperCase(unittest.TestCase):
    def setUp(self):
        self.p = subprocess.Popen([sys.executable, "-E", "-s", os.path.join(HERE, "command_helper.py")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lock = threading.Lock()
        self.replies = {}
        self.arrived = threading.Condition()
        self.reader = threading.Thread(target=self.read_replies, daemon=True)
        self.reader.start()

    def tearDown(self):
        self.p.stdin.close()
        self.p.wait(10)
        self.reader.join(10)
        self.p.stdout.close()

    def read_replies(self):
        while True:
            frame = read_frame(self.p.stdout)
            if frame is None:
                return
            with self.arrived:
                self.replies[frame[0]["id"]] = frame
                self.arrived.notify_all()

    def send(self, header, parts=()):
        with self.lock:
            write_frame(self.p.stdin.fileno(), header, parts)

    def reply(self, rid, timeout=10):
        with self.arrived:
            self.assertTrue(self.arrived.wait_for(lambda: rid in self.replies, timeout), "no reply to %d" % rid)
            return self.replies.pop(rid)


class RunTest(HelperCase):
    def test_stdin_env_cwd_and_bytes_both_ways(self):
        script = 'cat; printf "\\377\\000" >&2; printf "%s|%s" "$FOO" "$(pwd)"'
        for extra in ({}, {"cap": 1000}):  # both ways a command runs
            self.send({"id": 1, "argv": ["sh", "-c", script], "env": dict(ENV, FOO="bar"), "cwd": "/tmp", **extra}, [b"in\n"])
            header, parts = self.reply(1)
            self.assertEqual(header, {"id": 1, "code": 0, "timeout": False})
            self.assertEqual(parts, [b"in\nbar|/tmp", b"\xff\x00"])

    def test_exit_codes_and_signals(self):
        self.send({"id": 1, "argv": ["sh", "-c", "exit 3"]}, [b""])
        self.send({"id": 2, "argv": ["sh", "-c", "kill -TERM $$"]}, [b""])
        self.assertEqual(self.reply(1)[0]["code"], 3)
        self.assertEqual(self.reply(2)[0]["code"], -15)

    def test_cap_keeps_the_first_bytes_of_each_stream(self):
        self.send({"id": 1, "argv": ["sh", "-c", "head -c 300000 /dev/zero; head -c 5 /dev/zero >&2"], "cap": 70000}, [b""])
        _, (out, err) = self.reply(1)
        self.assertEqual((len(out), len(err)), (70000, 5))

    def test_a_big_output_arrives_whole(self):
        self.send({"id": 1, "argv": ["head", "-c", str(8 << 20), "/dev/urandom"]}, [b""])
        self.send({"id": 2, "argv": ["head", "-c", str(8 << 20), "/dev/zero"], "cap": 16 << 20}, [b""])
        self.assertEqual(len(self.reply(1)[1][0]), 8 << 20)
        self.assertEqual(self.reply(2)[1][0], bytes(8 << 20))

    def test_timeout_kills_the_process_group(self):
        t0 = time.monotonic()
        self.send({"id": 1, "argv": ["sh", "-c", "sleep 30 & sleep 30"], "timeout": 0.2}, [b""])
        self.send({"id": 2, "argv": ["sh", "-c", "sleep 30 & sleep 30"], "timeout": 0.2, "cap": 10}, [b""])
        for rid in (1, 2):
            self.assertEqual(self.reply(rid)[0], {"id": rid, "code": -9, "timeout": True})
        self.assertLess(time.monotonic() - t0, 8)

    def test_kill_before_and_after_start(self):
        self.send({"kill": 1})
        self.send({"id": 1, "argv": ["sleep", "30"], "killable": True}, [b""])
        self.send({"id": 2, "argv": ["sleep", "30"], "killable": True}, [b""])
        time.sleep(0.2)
        self.send({"kill": 2})
        self.assertEqual(self.reply(1)[0]["code"], -9)
        self.assertEqual(self.reply(2)[0]["code"], -9)

    def test_a_start_that_fails_says_why(self):
        self.send({"id": 1, "argv": ["/nonexistent/binary"]}, [b""])
        header, _ = self.reply(1)
        self.assertEqual(header["errno"], 2)
        self.assertIn("No such file", header["error"])

    def test_a_bad_request_is_answered_not_dropped(self):
        self.send({"id": 1, "argv": 42}, [b""])
        self.assertIn("error", self.reply(1)[0])

    def test_end_of_input_answers_what_was_taken(self):
        self.send({"id": 1, "argv": ["sh", "-c", "sleep 0.3; echo late"]}, [b""])
        self.p.stdin.close()
        self.assertEqual(self.reply(1)[1][0], b"late\n")
        self.p.stdin = open(os.devnull, "wb")  # tearDown closes it


class LaunchTest(HelperCase):
    def test_answers_at_the_first_line_on_the_sync_pipe(self):
        script = 'echo starting >&2; sleep 3 & printf "{\\"pid\\": 1}\\nmore" >&$SYNC'
        t0 = time.monotonic()
        self.send({"id": 1, "argv": ["sh", "-c", script], "env": ENV, "syncEnv": "SYNC", "timeout": 5})
        header, parts = self.reply(1)
        self.assertEqual(header, {"id": 1, "line": '{"pid": 1}', "code": None})
        self.assertEqual(parts, [b"starting\n"])
        self.assertLess(time.monotonic() - t0, 2.5, "answered at the first line, not when the pipe closed")

    def test_no_line_gives_the_exit_code_and_stderr(self):
        self.send({"id": 1, "argv": ["sh", "-c", "echo nope >&2; exit 4"], "env": ENV, "syncEnv": "SYNC", "timeout": 5})
        self.assertEqual(self.reply(1), ({"id": 1, "line": "", "code": 4}, [b"nope\n"]))


if __name__ == "__main__":
    unittest.main()
