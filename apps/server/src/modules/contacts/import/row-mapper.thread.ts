/** Worker-thread entry of the row-mapping pool: maps chunks of CSV records (phone parsing included). */
import { parentPort, workerData } from 'node:worker_threads';
import { rowMapper, type RowMapperOptions } from './import-rows';
import type { MapRequest, MapReply } from './row-mapper-pool';

const port = parentPort;
if (!port) throw new Error('row-mapper must run in a worker thread');
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
