"""rktlet's command helper: launches programs for the daemon (util/command.ts says why).

Frames (framing.py) on stdin and stdout, each request in its own thread:
  {id, argv, env, cwd, timeout (s), cap (bytes per stream), killable} + [stdin]
      -> {id, code (negative: killed by that signal), timeout} + [stdout, stderr]
      (subprocess.run's way when neither a cap nor a kill can come: the cheaper of the two)
  {id, argv, env, cwd, syncEnv, timeout}: starts it in a new session with a sync pipe whose fd is
      put in env[syncEnv]; replies at its first line -> {id, line, code} + [stderr]
  {kill: id}: SIGKILL that request's process group (every command leads its own).
A start that fails replies {id, errno, error}. At the end of its input it answers what it has,
then exits.
"""
import os
import select
import signal
import subprocess
import sys
import threading
import time

from framing import MAX_PART, read_frame, write_frame


class Helper:
    def __init__(self, out_fd):
        self.out_fd = out_fd
        self.lock = threading.Lock()
        self.procs = {}
        self.killed = set()

    def reply(self, header, parts=()):
        with self.lock:
            write_frame(self.out_fd, header, parts)

    def failed(self, r, e):
        self.reply({"id": r["id"], "errno": getattr(e, "errno", 0) or 0, "error": getattr(e, "strerror", None) or str(e)})

    def handle(self, r, data):
        try:
            self.dispatch(r, data)
        except Exception as e:
            # Whatever went wrong, the daemon gets an answer rather than waiting for ever.
            if "id" in r:
                self.failed(r, e)

    def dispatch(self, r, data):
        if "kill" in r:
            self.killed.add(r["kill"])
            p = self.procs.get(r["kill"])
            if p:
                kill_group(p)
        elif r.get("syncEnv"):
            self.launch(r)
        elif r.get("cap") is None and not r.get("killable"):
            self.run_simple(r, data)
        else:
            self.run(r, data)

    def run_simple(self, r, data):
        try:
            p = popen(r)
        except Exception as e:
            return self.failed(r, e)
        try:
            out, err = p.communicate(data, timeout=r.get("timeout"))
            self.reply({"id": r["id"], "code": p.returncode, "timeout": False}, [fit(out), fit(err)])
        except subprocess.TimeoutExpired as e:
            kill_group(p)
            p.wait()
            self.reply({"id": r["id"], "code": -9, "timeout": True}, [fit(e.stdout), fit(e.stderr)])

    def run(self, r, data):
        try:
            p = popen(r)
        except Exception as e:
            return self.failed(r, e)
        self.procs[r["id"]] = p
        if r["id"] in self.killed:
            kill_group(p)
        cap = MAX_PART if r.get("cap") is None else min(r["cap"], MAX_PART)
        out, err = bytearray(), bytearray()
        workers = [threading.Thread(target=collect, args=(p.stdout, cap, out), daemon=True),
                   threading.Thread(target=collect, args=(p.stderr, cap, err), daemon=True),
                   threading.Thread(target=feed, args=(p.stdin, data), daemon=True)]
        for w in workers:
            w.start()
        timed_out = False
        try:
            p.wait(timeout=r.get("timeout"))
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(p)
            p.wait()
        for w in workers:
            # A child that left the group may still hold a pipe: answer with what came so far.
            w.join(timeout=2)
        self.procs.pop(r["id"], None)
        self.killed.discard(r["id"])
        self.reply({"id": r["id"], "code": p.returncode, "timeout": timed_out}, [out, err])

    def launch(self, r):
        rfd, wfd = os.pipe()
        env = dict(r["env"])
        env[r["syncEnv"]] = str(wfd)
        try:
            p = subprocess.Popen(r["argv"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 pass_fds=(wfd,), cwd=r.get("cwd"), env=env, start_new_session=True)
        except Exception as e:
            os.close(rfd)
            os.close(wfd)
            return self.failed(r, e)
        os.close(wfd)
        line = read_line(rfd, r["timeout"])
        os.close(rfd)
        code = None
        if not line:
            try:
                code = p.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        # What the first process wrote to stderr so far (its daemonized child may hold the pipe open).
        os.set_blocking(p.stderr.fileno(), False)
        try:
            err = p.stderr.read() or b""
        except OSError:
            err = b""
        p.stderr.close()
        threading.Thread(target=p.wait, daemon=True).start()
        self.reply({"id": r["id"], "line": line, "code": code}, [err])

    def serve(self, stream):
        threads = []
        while True:
            frame = read_frame(stream)
            if frame is None:
                break
            header, parts = frame
            t = threading.Thread(target=self.handle, args=(header, parts[0] if parts else b""))
            t.start()
            threads = [x for x in threads if x.is_alive()] + [t]
        for t in threads:
            t.join()


def popen(r):
    return subprocess.Popen(r["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=r.get("env"), cwd=r.get("cwd"), start_new_session=True)


def fit(b):
    """At most what one part of a frame holds (a stream larger than that is cut there)."""
    return (b or b"")[:MAX_PART]


def collect(stream, cap, out):
    """Reads a pipe to its end into the bytearray out, keeping the first `cap` bytes (one growing
    buffer: a list of the pipe's small reads took twice the output's size)."""
    while True:
        b = os.read(stream.fileno(), 65536)
        if not b:
            break
        if len(out) < cap:
            out += b[: cap - len(out)]
    stream.close()


def feed(stream, data):
    try:
        if data:
            stream.write(data)
        stream.close()
    except OSError:
        pass


def kill_group(p):
    # Each command leads its own process group: a kill reaches the children it started (a CNI
    # plugin's helpers, a runtime wrapper's runc), which would otherwise live on holding our pipes.
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass


def read_line(fd, timeout):
    """The first line written on fd within timeout seconds (what came, when no newline did)."""
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n", 1)[0].decode(errors="replace")


if __name__ == "__main__":
    Helper(sys.stdout.fileno()).serve(sys.stdin.buffer)
