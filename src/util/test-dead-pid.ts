// A PID that no process has, for unit tests that put a "recorded" PID in a fixture. A constant
// (99, 1234, …) is some host's live process or kernel thread, which makes a liveness check say
// "still running" on that host only. This one belonged to a child we started and reaped, and is
// checked to be free; the kernel hands PIDs out in increasing order, so it stays free for the few
// milliseconds a test needs it unless the PID space wraps around meanwhile.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Whether any process (or kernel thread) has this PID right now. */
export function pidInUse(pid: number): boolean {
  if (existsSync(`/proc/${pid}`)) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The PID of a child that has exited and been reaped (spawnSync waits for it), checked free. */
export function deadPid(): number {
  for (let i = 0; i < 10; i++) {
    const pid = spawnSync('true').pid;
    if (pid && pid > 0 && !pidInUse(pid)) return pid;
  }
  throw new Error('could not find a free PID');
}
