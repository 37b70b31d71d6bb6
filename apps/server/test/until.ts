type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * Polls `read` until it answers something truthy, and returns that; fails naming `what` after
 * `ms`. For tests that wait for work done elsewhere (a worker, another process, the database).
 */
export async function until<T>(what: string, read: () => T | Promise<T>, options: { ms?: number; everyMs?: number } = {}): Promise<Truthy<T>> {
  const deadline = Date.now() + (options.ms ?? 30_000);
  for (;;) {
    const value = await read();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 50));
  }
}
