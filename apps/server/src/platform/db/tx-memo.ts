import type { Tx } from './database';

const memos = new WeakMap<Tx, Map<string, Promise<unknown>>>();

/**
 * Computes `fn` once per transaction and key: settings a batch of work reads again and again (a
 * tenant's country, its opt-out keywords) cost one query per transaction instead of one per item.
 * Only for values the transaction itself does not change.
 */
export function memoInTx<T>(tx: Tx, key: string, fn: () => Promise<T>): Promise<T> {
  let memo = memos.get(tx);
  if (!memo) memos.set(tx, (memo = new Map()));
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) {
    value = fn();
    memo.set(key, value);
    // A failed read is not remembered.
    value.catch(() => memo.delete(key));
  }
  return value;
}
