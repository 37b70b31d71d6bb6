import type { Tx } from './database';

const pending = new WeakMap<Tx, (() => unknown)[]>();
const deferred = new WeakMap<Tx, (run: () => Promise<void>) => void>();

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

/**
 * Hands the transaction's after-commit callbacks, once it has committed, to `sink` as one
 * function instead of running them before the transaction's caller resumes: a caller that commits
 * batch after batch (the inbound drain) can chain them in commit order and go on with its next
 * batch meanwhile. The caller then owns running them (in order) and waiting for them.
 */
export function deferAfterCommit(tx: Tx, sink: (run: () => Promise<void>) => void): void {
  if (!pending.has(tx)) throw new Error('deferAfterCommit needs a transaction opened by database.withTenant or withoutTenant');
  deferred.set(tx, sink);
}

/** Used by the database: opens the list for a transaction and runs it after the commit. */
export async function withAfterCommit<T>(run: (track: (tx: Tx) => void) => Promise<T>, onError: (err: unknown) => void): Promise<T> {
  let tracked: Tx | null = null;
  const result = await run((tx) => {
    tracked = tx;
    pending.set(tx, []);
  });
  const callbacks = tracked ? (pending.get(tracked) ?? []) : [];
  const sink = tracked ? deferred.get(tracked) : undefined;
  if (tracked) {
    pending.delete(tracked);
    deferred.delete(tracked);
  }
  const runAll = async () => {
    for (const fn of callbacks) {
      try {
        await fn();
      } catch (err) {
        onError(err);
      }
    }
  };
  if (sink) {
    if (callbacks.length) sink(runAll);
  } else await runAll();
  return result;
}
