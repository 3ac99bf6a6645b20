// Clean-up steps run in reverse order of registration: at the end of a run, on an error, and on
// SIGINT/SIGTERM (a second signal exits at once). Each step is bounded and may fail alone.
import { setTimeout as sleep } from 'node:timers/promises';
import { log, run } from './bench-context.js';

interface Step {
  name: string;
  fn: () => Promise<unknown> | unknown;
  timeoutMs: number;
}

export class Cleanup {
  private steps: Step[] = [];
  private running: Promise<void> | undefined;

  add(name: string, fn: Step['fn'], timeoutMs = 120_000): void {
    this.steps.push({ name, fn, timeoutMs });
  }

  /** Runs every step once (later calls wait for the first). */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          const r = await Promise.race([Promise.resolve().then(step.fn).then(() => 'done'), sleep(step.timeoutMs).then(() => 'timeout')]);
          if (r === 'timeout') log(`clean-up: ${step.name}: gave up after ${step.timeoutMs} ms`);
        } catch (err) {
          log(`clean-up: ${step.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      this.steps = [];
    })();
    return this.running;
  }

  installSignalHandlers(): void {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        log(`${sig} again: exiting without finishing clean-up`);
        process.exit(130);
      }
      signalled = true;
      run.aborted = true;
      log(`${sig}: stopping the run and cleaning up (send it again to exit at once)`);
      void this.run().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}
