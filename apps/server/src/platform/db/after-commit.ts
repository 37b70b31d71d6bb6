import type { Tx } from './database';

const pending = new WeakMap<Tx, (() => unknown)[]>();

/**
 * Runs `fn` once the transaction `tx` has committed (never if it rolls back): how a change
 * announces itself to browsers without announcing something that did not happen. Errors thrown
 * by `fn` are reported to `onError` and never undo the commit.
 */
export function afterCommit(tx: Tx, fn: () => unknown): void {
  const list = pending.get(tx);
  if (!list) throw new Error('afterCommit needs a transaction opened by database.withTenant or withoutTenant');
  list.push(fn);
}

/** Used by the database: opens the list for a transaction and runs it after the commit. */
export async function withAfterCommit<T>(run: (track: (tx: Tx) => void) => Promise<T>, onError: (err: unknown) => void): Promise<T> {
  let tracked: Tx | null = null;
  const result = await run((tx) => {
    tracked = tx;
    pending.set(tx, []);
  });
  const callbacks = tracked ? (pending.get(tracked) ?? []) : [];
  if (tracked) pending.delete(tracked);
  for (const fn of callbacks) {
    try {
      await fn();
    } catch (err) {
      onError(err);
    }
  }
  return result;
}
