import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { rowMapper, type RowMapperOptions, type RowResult } from './import-rows';

export type MapItem = { record: string[]; rowNumber: number };
export type MapRequest = { id: number; items: MapItem[] };
export type MapReply = { id: number; results: RowResult[] };

/** Maps chunks of records, in order; `close` ends the threads it started. */
export type RowMapping = { map(items: MapItem[]): Promise<RowResult[]>; readonly threads: number; close(): Promise<void> };

/** The nice value of a mapping thread: below the main thread's when they compete for a core. */
export const MAPPING_THREAD_NICE = 10;

/** Below this size the threads cost more to start (~0.3 s: loader, phone metadata) than they save. */
export const POOL_MIN_BYTES = 2 * 1024 * 1024;

/** Maps on the calling thread: small files, and where threads are not wanted. */
export function inlineRowMapping(options: RowMapperOptions): RowMapping {
  const map = rowMapper(options);
  return { threads: 0, map: async (items) => items.map((i) => map(i.record, i.rowNumber)), close: async () => undefined };
}

/**
 * Maps records on worker threads: libphonenumber takes ~50 µs a number, which on the main thread
 * would cap an import at ~15,000 rows/s and hold the event loop. One thread per spare core (at
 * least one); chunks go round-robin and come back in the order they were sent.
 */
export async function startRowMappingPool(options: RowMapperOptions & { threads?: number }): Promise<RowMapping> {
  const { threads: wanted, ...mapperOptions } = options;
  const count = Math.max(1, Math.min(wanted ?? os.availableParallelism() - 1, 4));
  const workers: Worker[] = [];
  const waiting = new Map<number, { resolve(results: RowResult[]): void; reject(err: Error): void }>();
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const worker = new Worker(new URL('./row-mapper.worker.mjs', import.meta.url), { workerData: mapperOptions });
        workers.push(worker);
        await new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        });
        worker.on('message', (reply: MapReply) => {
          const w = waiting.get(reply.id);
          waiting.delete(reply.id);
          w?.resolve(reply.results);
        });
        worker.on('error', (err) => fail(err));
        worker.on('exit', (code) => fail(new Error(`row-mapping thread exited with code ${code}`)));
      }),
    );
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  let nextId = 1;
  return {
    threads: count,
    map(items) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<RowResult[]>((resolve, reject) => {
        const withRecords = (results: RowResult[]) => {
          // Each candidate's cells are the record sent: the thread does not copy them back.
          for (let i = 0; i < results.length; i++) {
            const result = results[i]!;
            if (result.ok === true) result.candidate.data = items[i]!.record;
          }
          resolve(results);
        };
        waiting.set(id, { resolve: withRecords, reject });
        workers[id % workers.length]!.postMessage({ id, items } satisfies MapRequest);
      });
    },
    async close() {
      failure ??= new Error('the row-mapping pool is closed');
      for (const w of workers) w.removeAllListeners('exit');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
