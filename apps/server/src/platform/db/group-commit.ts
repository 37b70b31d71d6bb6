/**
 * Group commit: many small writes that arrive together share one transaction, and each caller is
 * answered only once the transaction holding its item has committed (durability is unchanged; only
 * the commits are shared). While `maxInFlight` batches are being written, new items wait and go
 * together in the next one, so the batch size follows the load: a lone item is written at once
 * (after the current turn of the event loop), a burst is written in a few transactions.
 *
 * Items are grouped by `key` (a tenant: one transaction sees one tenant under row-level security).
 * A batch that fails is retried one item per transaction, so one bad item fails alone and never
 * takes the others down with it, nor is any item acknowledged without its own commit.
 */
export type GroupCommitOptions<I, O> = {
  /** Writes the items (all of one key) in one transaction; answers one result per item, in order. */
  write(key: string, items: I[]): Promise<O[]>;
  key(item: I): string;
  /** Most items in one batch. */
  maxItems: number;
  /** Most bytes (as `size` counts them) in one batch; a bigger item goes alone. */
  maxBytes?: number;
  size?(item: I): number;
  /** Batches written at the same time (each holds a database connection). */
  maxInFlight: number;
};

type Waiting<I, O> = { item: I; key: string; resolve(value: O): void; reject(err: unknown): void };

export type GroupCommit<I, O> = {
  submit(item: I): Promise<O>;
  /** Items waiting or being written (for tests and metrics). */
  readonly pending: number;
};

export function createGroupCommit<I, O>(options: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const queue: Waiting<I, O>[] = [];
  let inFlight = 0;
  let writing = 0;
  let scheduled = false;

  function schedule() {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    // After the current turn: requests that arrived in the same read from the sockets join in.
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && inFlight < options.maxInFlight) void flush(take());
    });
  }

  /** The oldest item and the next ones of its key, within the limits. */
  function take(): Waiting<I, O>[] {
    const key = queue[0]!.key;
    const batch: Waiting<I, O>[] = [];
    let bytes = 0;
    for (let i = 0; i < queue.length && batch.length < options.maxItems; ) {
      const entry = queue[i]!;
      if (entry.key !== key) {
        i++;
        continue;
      }
      const size = options.size?.(entry.item) ?? 0;
      if (batch.length > 0 && options.maxBytes !== undefined && bytes + size > options.maxBytes) break;
      bytes += size;
      batch.push(entry);
      queue.splice(i, 1);
    }
    return batch;
  }

  async function flush(batch: Waiting<I, O>[]) {
    inFlight++;
    writing += batch.length;
    try {
      await writeBatch(batch);
    } finally {
      inFlight--;
      writing -= batch.length;
      schedule();
    }
  }

  async function writeBatch(batch: Waiting<I, O>[]) {
    const key = batch[0]!.key;
    let results: O[];
    try {
      results = await options.write(
        key,
        batch.map((w) => w.item),
      );
      if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // Which item failed is unknown: each gets a transaction of its own.
      for (const waiting of batch) await writeBatch([waiting]);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, key: options.key(item), resolve, reject });
        schedule();
      });
    },
    get pending() {
      return queue.length + writing;
    },
  };
}
