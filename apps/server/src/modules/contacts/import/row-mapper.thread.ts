/** Worker-thread entry of the row-mapping pool: maps chunks of CSV records (phone parsing included). */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { rowMapper, type RowMapperOptions } from './import-rows';
import { MAPPING_THREAD_NICE, type MapRequest, type MapReply } from './row-mapper-pool';

const port = parentPort;
if (!port) throw new Error('row-mapper must run in a worker thread');
// Background work: on Linux a thread has its own nice value, and this lowers only this thread's. When
// the cores are short, the main thread (HTTP, the realtime socket, the import's own writes) runs first
// instead of waiting behind phone parsing; the mapping still gets every idle cycle.
try {
  os.setPriority(MAPPING_THREAD_NICE);
} catch {
  // Not permitted or not supported here: the thread runs at the process's priority.
}
const map = rowMapper(workerData as RowMapperOptions);
const NO_DATA: string[] = [];
port.on('message', (request: MapRequest) => {
  const results = request.items.map((item) => {
    const result = map(item.record, item.rowNumber);
    // The calling thread still holds the record: it is not copied back (the pool puts it back).
    if (result.ok === true) result.candidate.data = NO_DATA;
    return result;
  });
  port.postMessage({ id: request.id, results } satisfies MapReply);
});
port.postMessage({ id: 0, results: [] } satisfies MapReply);
