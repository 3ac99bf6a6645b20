"""Bytes between rktlet and its python3 helpers: frames, whole writes and the one copy loop.

A frame (the command helper's requests and replies; util/frames.ts is the daemon's side):
    u32 header length H | u32 part count N | N x u32 part length | H bytes of JSON | the parts
all big-endian. The JSON says what a frame means, the parts carry bytes as they are (a command's
stdin, stdout, stderr), so a large output travels once, unencoded.
"""
import errno
import json
import os
import select
import struct

MAX_PART = 0xFFFFFFFF
# A header is a request's argv, env and cwd: far below this unless the stream is not ours.
MAX_HEADER = 64 << 20
MAX_PARTS = 16


class FrameError(Exception):
    """The stream is not a sequence of frames (or ended inside one)."""


def encode(header, parts=()):
    """The frame's bytes as a list of pieces (the parts themselves are not copied)."""
    head = json.dumps(header, separators=(",", ":")).encode()
    sizes = []
    pieces = []
    for part in parts:
        chunks = part if isinstance(part, list) else [part]
        size = sum(len(c) for c in chunks)
        if size > MAX_PART:
            raise FrameError("a part of %d bytes does not fit a frame" % size)
        sizes.append(size)
        pieces.extend(c for c in chunks if c)
    prefix = struct.pack(">II%dI" % len(sizes), len(head), len(sizes), *sizes)
    return [prefix, head] + pieces


def write_all(fd, data):
    """Writes all of data to fd, waiting while a non-blocking fd is full."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[n:]


def write_frame(fd, header, parts=()):
    pieces = encode(header, parts)
    # A small frame goes in one write (one wake-up of the reader); a big one piece by piece, uncopied.
    if sum(len(p) for p in pieces) <= 65536:
        pieces = [b"".join(pieces)]
    for piece in pieces:
        write_all(fd, piece)


def _read_exactly(stream, n, inside):
    data = stream.read(n) if n else b""
    if len(data) != n:
        if not data and not inside:
            return None
        raise FrameError("the stream ended inside a frame")
    return data


def read_frame(stream):
    """The next (header, parts) from a binary file object; None at a clean end of stream."""
    fixed = _read_exactly(stream, 8, False)
    if fixed is None:
        return None
    size, count = struct.unpack(">II", fixed)
    if size > MAX_HEADER or count > MAX_PARTS:
        raise FrameError("not a frame: header of %d bytes, %d parts" % (size, count))
    sizes = struct.unpack(">%dI" % count, _read_exactly(stream, 4 * count, True))
    header = json.loads(_read_exactly(stream, size, True))
    return header, [_read_exactly(stream, n, True) for n in sizes]


class Route:
    """What the copy loop does with one readable fd: on_data(bytes) for each read, on_end() at its
    end, which returns True when the whole relay should stop then."""

    def __init__(self, on_data, on_end=lambda: True, size=65536):
        self.on_data = on_data
        self.on_end = on_end
        self.size = size


def _read(fd, size):
    try:
        return os.read(fd, size)
    except OSError as e:
        # A pty master reads EIO once the other side is closed: that is its end of file.
        if e.errno == errno.EIO:
            return b""
        raise


def pump(routes, idle=None, tick=None):
    """Copies until a route's end stops it, no route is left, or idle() (called after `tick`
    seconds without input) returns True. routes: {fd: Route}."""
    watch = dict(routes)
    while watch:
        ready, _, _ = select.select(list(watch), [], [], tick)
        if not ready:
            if idle is not None and idle():
                return
            continue
        for fd in ready:
            route = watch[fd]
            data = _read(fd, route.size)
            if data:
                route.on_data(data)
                continue
            del watch[fd]
            if route.on_end():
                return
