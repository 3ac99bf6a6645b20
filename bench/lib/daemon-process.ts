// A daemon the bench started: its own process group (a terminal's Ctrl-C reaches only the bench,
// which then tears things down in order), output to a log file, stopped by its pid only.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);

export class DaemonProcess {
  readonly exited: Promise<number | null>;
  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  }

  static start(name: string, cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): DaemonProcess {
    const fd = openSync(logFile, 'a');
    try {
      const proc = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true, env: env ?? process.env });
      proc.unref();
      return new DaemonProcess(name, proc, logFile);
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const r = await Promise.race([this.exited.then(() => 'exited'), sleep(graceMs).then(() => 'timeout')]);
    if (r === 'timeout' && this.running) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Waits until a path exists (a socket a daemon creates). */
export async function waitForPath(path: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (!alive()) throw new Error(`exited before creating ${path}`);
    if (Date.now() > until) throw new Error(`${path} did not appear in ${timeoutMs} ms`);
    await sleep(5);
  }
}

export async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args);
    return (stdout || stderr).split('\n')[0]?.trim() ?? '';
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}
