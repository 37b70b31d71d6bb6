import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit';

type Item = { key: string; value: number; fail?: boolean; size?: number };

/** A writer that records its batches and lets the test decide when each one "commits". */
function recorder(options: { hold?: boolean } = {}) {
  const batches: { key: string; values: number[] }[] = [];
  const release: (() => void)[] = [];
  const write = async (key: string, items: Item[]) => {
    batches.push({ key, values: items.map((i) => i.value) });
    if (options.hold) await new Promise<void>((r) => release.push(r));
    if (items.some((i) => i.fail)) throw new Error(`batch with a bad item (${items.length} items)`);
    return items.map((i) => i.value * 10);
  };
  return { batches, release, write };
}

/** Lets timers, I/O callbacks and promise chains run a few turns. */
const tick = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('group commit', () => {
  it('writes a lone item at once, and the items that arrive while a batch is written together in the next', async () => {
    const w = recorder({ hold: true });
    const group = createGroupCommit<Item, number>({ write: w.write, key: (i) => i.key, maxItems: 100, maxInFlight: 1 });
    const first = group.submit({ key: 't', value: 1 });
    await tick();
    expect(w.batches).toEqual([{ key: 't', values: [1] }]);
    const rest = [2, 3, 4, 5].map((value) => group.submit({ key: 't', value }));
    await tick();
    // One batch in flight (maxInFlight 1): the four wait for it.
    expect(w.batches).toHaveLength(1);
    expect(group.pending).toBe(5);
    w.release.shift()!();
    expect(await first).toBe(10);
    await tick();
    expect(w.batches).toEqual([
      { key: 't', values: [1] },
      { key: 't', values: [2, 3, 4, 5] },
    ]);
    w.release.shift()!();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
    expect(group.pending).toBe(0);
  });

  it('answers nobody before their batch is written', async () => {
    const w = recorder({ hold: true });
    const group = createGroupCommit<Item, number>({ write: w.write, key: (i) => i.key, maxItems: 100, maxInFlight: 2 });
    let answered = 0;
    const all = [1, 2, 3].map((value) => group.submit({ key: 't', value }).then((r) => (answered++, r)));
    await tick();
    expect(answered).toBe(0);
    w.release.forEach((r) => r());
    expect(await Promise.all(all)).toEqual([10, 20, 30]);
  });

  it('keeps keys apart: one batch never mixes two keys', async () => {
    const w = recorder();
    const group = createGroupCommit<Item, number>({ write: w.write, key: (i) => i.key, maxItems: 100, maxInFlight: 4 });
    const results = await Promise.all([
      group.submit({ key: 'a', value: 1 }),
      group.submit({ key: 'b', value: 2 }),
      group.submit({ key: 'a', value: 3 }),
      group.submit({ key: 'b', value: 4 }),
    ]);
    expect(results).toEqual([10, 20, 30, 40]);
    expect(w.batches).toEqual([
      { key: 'a', values: [1, 3] },
      { key: 'b', values: [2, 4] },
    ]);
  });

  it('limits a batch by items and by bytes; an item bigger than the limit goes alone', async () => {
    const w = recorder();
    const group = createGroupCommit<Item, number>({ write: w.write, key: (i) => i.key, size: (i) => i.size ?? 1, maxItems: 3, maxBytes: 100, maxInFlight: 1 });
    await Promise.all([1, 2, 3, 4, 5].map((value) => group.submit({ key: 't', value })));
    expect(w.batches.map((b) => b.values)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    w.batches.length = 0;
    await Promise.all([
      group.submit({ key: 't', value: 1, size: 60 }),
      group.submit({ key: 't', value: 2, size: 60 }),
      group.submit({ key: 't', value: 3, size: 500 }),
      group.submit({ key: 't', value: 4, size: 10 }),
    ]);
    expect(w.batches.map((b) => b.values)).toEqual([[1], [2], [3], [4]]);
  });

  it('a failing batch is retried item by item: the bad item fails alone, the others are written and answered', async () => {
    const w = recorder();
    const group = createGroupCommit<Item, number>({ write: w.write, key: (i) => i.key, maxItems: 100, maxInFlight: 1 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((value) => group.submit({ key: 't', value, fail: value === 3 })));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'failed'))).toEqual([10, 20, 'failed', 40]);
    expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe('batch with a bad item (1 items)');
    expect(w.batches.map((b) => b.values)).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
    // The group goes on working afterwards.
    expect(await group.submit({ key: 't', value: 9 })).toBe(90);
  });

  it('a writer that answers the wrong number of results fails its items instead of answering them wrongly', async () => {
    const group = createGroupCommit<Item, number>({ write: async () => [1], key: (i) => i.key, maxItems: 100, maxInFlight: 1 });
    const outcomes = await Promise.allSettled([group.submit({ key: 't', value: 1 }), group.submit({ key: 't', value: 2 })]);
    // Alone, each gets exactly one result: the retry item by item answers them.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    const broken = createGroupCommit<Item, number>({ write: async () => [], key: (i) => i.key, maxItems: 100, maxInFlight: 1 });
    await expect(broken.submit({ key: 't', value: 1 })).rejects.toThrow('0 results for 1 items');
  });
});
