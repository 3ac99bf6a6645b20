// Undo steps of a multi-step operation: registered as each step succeeds, run newest first when a
// later step fails. Undo failures are collected, never hide the original error.
export class Rollback {
  private readonly steps: { what: string; undo: () => Promise<unknown> }[] = [];
  readonly failures: { what: string; err: unknown }[] = [];

  add(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  async run(): Promise<void> {
    while (this.steps.length) {
      const s = this.steps.pop()!;
      try {
        await s.undo();
      } catch (err) {
        this.failures.push({ what: s.what, err });
      }
    }
  }

  /** Success: forget the undo steps. */
  commit(): void {
    this.steps.length = 0;
  }
}
