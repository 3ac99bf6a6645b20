// Type=notify readiness: the daemon tells systemd "READY=1" once its socket serves and
// "STOPPING=1" when it begins to stop. Node.js has no unix datagram sockets, so one small python3
// helper (../helpers/sd_notify.py, which says why it lives as long as the daemon) sends them.
// Without $NOTIFY_SOCKET (not started by systemd as Type=notify) nothing is started at all.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pythonProgram } from '../helpers/programs.js';

export interface Notifier {
  /** Sends one notification ("READY=1"); resolves with the helper's error, if any ("" when sent). */
  notify(state: string): Promise<string>;
  close(): void;
}

const NOT_UNDER_SYSTEMD: Notifier = { notify: async () => '', close: () => {} };

/**
 * The notifier for this process. It takes $NOTIFY_SOCKET out of the environment (as
 * sd_notify(unset_environment=1) does): the runtimes rktlet starts must not see it, runc in
 * particular would take it for the container's own notify socket.
 */
export function startNotifier(python: string, env: NodeJS.ProcessEnv = process.env): Notifier {
  const target = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  if (!target) return NOT_UNDER_SYSTEMD;
  return new HelperNotifier(python, target);
}

class HelperNotifier implements Notifier {
  private readonly proc: ChildProcessByStdio<Writable, Readable, null>;
  private readonly replies: Interface;
  private readonly waiting: ((reply: string) => void)[] = [];
  private gone = '';

  constructor(python: string, target: string) {
    this.proc = spawn(python, ['-E', '-s', '-c', pythonProgram('sd_notify')], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', NOTIFY_SOCKET: target },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    // Its failure is reported on the next notify, never thrown: the daemon serves either way.
    this.proc.stdin.on('error', () => {});
    this.replies = createInterface({ input: this.proc.stdout });
    this.replies.on('line', (line) => this.waiting.shift()?.(line === 'ok' ? '' : line.replace(/^error /, '')));
    const lost = (why: string) => {
      this.gone ||= why;
      for (const w of this.waiting.splice(0)) w(this.gone);
    };
    this.proc.on('error', (err) => lost(`cannot start ${python}: ${err.message}`));
    this.proc.on('exit', (code) => lost(`the sd_notify helper exited (${code})`));
  }

  notify(state: string): Promise<string> {
    if (this.gone) return Promise.resolve(this.gone);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(`${state.replace(/\n/g, ' ')}\n`);
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}
