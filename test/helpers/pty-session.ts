// Runs a command on a pseudo-terminal, as an operator at a terminal would (`crictl exec -it`,
// `crictl attach -it`): python3's pty module gives the command a real terminal of a chosen size,
// then a script of steps waits for text and types input; the run ends when the command exits.
import { execFile } from 'node:child_process';

export interface PtyStep {
  /** Wait until the output so far contains this text. */
  expect?: string;
  /** Then type this (use "\r" for Enter, as a terminal sends). */
  send?: string;
}

export interface PtyResult {
  /** Everything the command wrote to its terminal. */
  output: string;
  /** Its exit code (null when it had to be killed). */
  code: number | null;
  /** The first `expect` that never came, if any. */
  missing?: string;
  timedOut: boolean;
}

const DRIVER = String.raw`
import fcntl, json, os, pty, select, signal, struct, sys, termios, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    # The size is set on the child's own terminal before it starts, so it reads it at once.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', spec['rows'], spec['cols'], 0, 0))
    os.execvp(spec['argv'][0], spec['argv'])
deadline = time.time() + spec['timeout']
buf = b''
eof = False
def pump(pattern):
    global buf, eof
    while not eof and time.time() < deadline and (pattern is None or pattern not in buf):
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                d = b''
            if d:
                buf += d
            else:
                eof = True
missing = None
for step in spec['steps']:
    if 'expect' in step:
        pat = step['expect'].encode()
        pump(pat)
        if pat not in buf:
            missing = step['expect']
            break
    if 'send' in step:
        os.write(fd, step['send'].encode())
if missing is None:
    pump(None)
timed_out = not eof
if timed_out or missing is not None:
    os.kill(pid, signal.SIGKILL)
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
out = {'output': buf.decode('utf-8', 'replace'), 'code': code if code >= 0 else None, 'timedOut': timed_out}
if missing is not None:
    out['missing'] = missing
print(json.dumps(out))
`;

export function runOnPty(argv: string[], steps: PtyStep[], o: { rows?: number; cols?: number; timeoutMs?: number } = {}): Promise<PtyResult> {
  const timeoutMs = o.timeoutMs ?? 20_000;
  const spec = { argv, steps, rows: o.rows ?? 24, cols: o.cols ?? 80, timeout: timeoutMs / 1000 };
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', DRIVER, JSON.stringify(spec)], { timeout: timeoutMs + 5000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`pty driver failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as PtyResult);
    });
  });
}
