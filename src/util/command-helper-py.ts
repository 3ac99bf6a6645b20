// The python3 side of util/command.ts's helper. One JSON request per line on stdin, one JSON reply
// per line on stdout, each request in its own thread:
//   {id, argv, input (base64), env, cwd, timeout (s), cap (bytes per stream), killable}
//       -> {id, code (negative: killed by that signal), stdout, stderr (base64), timeout}
//       (subprocess.run when neither a cap nor a kill can come: it is the cheaper of the two)
//   {id, argv, env, cwd, syncEnv, timeout}: start in a new session with a sync pipe whose fd is
//       put in env[syncEnv]; reply at its first line -> {id, line, code, stderr}
//   {kill: id}: SIGKILL that request's process group (every command leads its own).
// A start that fails replies {id, errno, error}. At end of input it answers what it has, then exits.
export const HELPER_PY = String.raw`
import base64, json, os, select, signal, subprocess, sys, threading, time
lock = threading.Lock()
procs = {}
killed = set()
def reply(o):
    data = (json.dumps(o) + "\n").encode()
    with lock:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
def b64(b):
    return base64.b64encode(b or b"").decode()
def failed(r, e):
    reply({"id": r["id"], "errno": getattr(e, "errno", 0) or 0, "error": getattr(e, "strerror", None) or str(e)})
def collect(stream, cap, out):
    kept = 0
    while True:
        b = os.read(stream.fileno(), 65536)
        if not b:
            break
        if cap is None or kept < cap:
            take = b if cap is None else b[: cap - kept]
            out.append(take)
            kept += len(take)
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
def run_simple(r):
    try:
        p = subprocess.Popen(r["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=r.get("env"), cwd=r.get("cwd"), start_new_session=True)
    except Exception as e:
        return failed(r, e)
    try:
        out, err = p.communicate(base64.b64decode(r.get("input") or ""), timeout=r.get("timeout"))
        reply({"id": r["id"], "code": p.returncode, "stdout": b64(out), "stderr": b64(err), "timeout": False})
    except subprocess.TimeoutExpired as e:
        kill_group(p)
        p.wait()
        reply({"id": r["id"], "code": -9, "stdout": b64(e.stdout), "stderr": b64(e.stderr), "timeout": True})
def run(r):
    try:
        p = subprocess.Popen(r["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=r.get("env"), cwd=r.get("cwd"), start_new_session=True)
    except Exception as e:
        return failed(r, e)
    procs[r["id"]] = p
    if r["id"] in killed:
        kill_group(p)
    out, err = [], []
    workers = [threading.Thread(target=collect, args=(p.stdout, r.get("cap"), out), daemon=True),
               threading.Thread(target=collect, args=(p.stderr, r.get("cap"), err), daemon=True),
               threading.Thread(target=feed, args=(p.stdin, base64.b64decode(r.get("input") or "")), daemon=True)]
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
    procs.pop(r["id"], None)
    killed.discard(r["id"])
    reply({"id": r["id"], "code": p.returncode, "stdout": b64(b"".join(out)), "stderr": b64(b"".join(err)), "timeout": timed_out})
def read_line(fd, timeout):
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
def launch(r):
    rfd, wfd = os.pipe()
    env = dict(r["env"])
    env[r["syncEnv"]] = str(wfd)
    try:
        p = subprocess.Popen(r["argv"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             pass_fds=(wfd,), cwd=r.get("cwd"), env=env, start_new_session=True)
    except Exception as e:
        os.close(rfd)
        os.close(wfd)
        return failed(r, e)
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
    reply({"id": r["id"], "line": line, "code": code, "stderr": b64(err)})
def handle(r):
    if "kill" in r:
        killed.add(r["kill"])
        p = procs.get(r["kill"])
        if p:
            kill_group(p)
    elif r.get("syncEnv"):
        launch(r)
    elif r.get("cap") is None and not r.get("killable"):
        run_simple(r)
    else:
        run(r)
threads = []
for line in sys.stdin.buffer:
    t = threading.Thread(target=handle, args=(json.loads(line),))
    t.start()
    threads = [x for x in threads if x.is_alive()] + [t]
for t in threads:
    t.join()
`;
