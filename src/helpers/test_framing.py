"""Unit tests of framing.py: frames both ways, whole writes, the copy loop."""
import io
import os
import struct
import threading
import unittest

from framing import FrameError, Route, encode, pump, read_frame, write_all, write_frame


def frame_bytes(header, parts=()):
    return b"".join(bytes(p) for p in encode(header, parts))


class FrameTest(unittest.TestCase):
    def test_layout_is_the_documented_one(self):
        data = frame_bytes({"id": 1}, [b"ab", b""])
        head = b'{"id":1}'
        self.assertEqual(data, struct.pack(">IIII", len(head), 2, 2, 0) + head + b"ab")

    def test_round_trip_keeps_bytes_and_order(self):
        binary = bytes(range(256)) * 3
        stream = io.BytesIO(frame_bytes({"id": 7, "argv": ["é"]}, [binary, b""]) + frame_bytes({"kill": 7}))
        self.assertEqual(read_frame(stream), ({"id": 7, "argv": ["é"]}, [binary, b""]))
        self.assertEqual(read_frame(stream), ({"kill": 7}, []))
        self.assertIsNone(read_frame(stream))

    def test_a_part_may_be_a_list_of_chunks_or_a_bytearray(self):
        stream = io.BytesIO(frame_bytes({}, [[b"ab", b"", b"cd"], bytearray(b"ef")]))
        self.assertEqual(read_frame(stream), ({}, [b"abcd", b"ef"]))

    def test_a_cut_stream_is_an_error_not_an_end(self):
        data = frame_bytes({"id": 1}, [b"xyz"])
        for cut in (3, 8, 12, len(data) - 1):
            with self.assertRaises(FrameError, msg="cut at %d" % cut):
                read_frame(io.BytesIO(data[:cut]))

    def test_what_is_not_a_frame_is_refused(self):
        with self.assertRaises(FrameError):
            read_frame(io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))

    def test_write_frame_writes_small_and_big_frames_whole(self):
        r, w = os.pipe()
        big = os.urandom(1 << 20)
        got = []
        reader = threading.Thread(target=lambda: got.extend([read_frame(f), read_frame(f), read_frame(f)]))
        with os.fdopen(r, "rb") as f:
            reader.start()
            write_frame(w, {"n": 1}, [b"small"])
            write_frame(w, {"n": 2}, [[big[:1000], big[1000:]]])
            os.close(w)
            reader.join(10)
        self.assertEqual(got, [({"n": 1}, [b"small"]), ({"n": 2}, [big]), None])


class WriteAllTest(unittest.TestCase):
    def test_waits_on_a_full_non_blocking_pipe(self):
        r, w = os.pipe()
        os.set_blocking(w, False)
        data = os.urandom(1 << 20)  # far more than a pipe holds
        got = bytearray()

        def drain():
            while True:
                b = os.read(r, 65536)
                if not b:
                    return
                got.extend(b)
        t = threading.Thread(target=drain)
        t.start()
        write_all(w, data)
        os.close(w)
        t.join(10)
        os.close(r)
        self.assertEqual(bytes(got), data)


class PumpTest(unittest.TestCase):
    def test_copies_until_a_route_that_stops_ends(self):
        a_r, a_w = os.pipe()
        b_r, b_w = os.pipe()
        seen = {"a": b"", "b": b"", "b_end": False}
        os.write(a_w, b"one")
        os.write(b_w, b"two")
        os.close(b_w)

        def on_b_end():
            seen["b_end"] = True
            os.write(a_w, b"!")
            os.close(a_w)
            return False  # keep going: a's end stops it
        pump({a_r: Route(lambda d: seen.__setitem__("a", seen["a"] + d)),
              b_r: Route(lambda d: seen.__setitem__("b", seen["b"] + d), on_b_end)})
        self.assertEqual(seen, {"a": b"one!", "b": b"two", "b_end": True})
        os.close(a_r)
        os.close(b_r)

    def test_idle_is_asked_when_nothing_comes(self):
        r, w = os.pipe()
        calls = []
        pump({r: Route(lambda d: None)}, idle=lambda: calls.append(1) or len(calls) == 3, tick=0.01)
        self.assertEqual(len(calls), 3)
        os.close(r)
        os.close(w)

    def test_a_pty_master_eio_is_an_end(self):
        import pty
        master, slave = pty.openpty()
        os.write(slave, b"hi\n")
        os.close(slave)
        got = []
        pump({master: Route(got.append)})
        self.assertEqual(b"".join(got).replace(b"\r", b""), b"hi\n")
        os.close(master)


if __name__ == "__main__":
    unittest.main()
