/** Every cleanup not yet run, so an interrupted run (Ctrl-C, SIGTERM) can still undo its steps. */
const pending = new Set<Cleanup>();

/** Undo steps (stop a server, drop a database), run last-in first-out. */
export class Cleanup {
  private steps: { label: string; fn: () => unknown }[] = [];

  constructor(private readonly log: (message: string) => void) {
    pending.add(this);
  }

  defer(label: string, fn: () => unknown): void {
    this.steps.push({ label, fn });
  }

  async run(): Promise<void> {
    pending.delete(this);
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.fn();
      } catch (err) {
        this.log(`cleanup "${step.label}" failed: ${(err as Error).message}`);
      }
    }
  }
}

export async function runPendingCleanups(): Promise<void> {
  for (const cleanup of [...pending].reverse()) await cleanup.run();
}
