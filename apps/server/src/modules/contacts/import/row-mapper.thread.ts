/** Worker-thread entry of the row-mapping pool: maps chunks of CSV records (phone parsing included). */
import { parentPort, workerData } from 'node:worker_threads';
import { rowMapper, type RowMapperOptions } from './import-rows';
import type { MapRequest, MapReply } from './row-mapper-pool';

const port = parentPort;
if (!port) throw new Error('row-mapper must run in a worker thread');
const map = rowMapper(workerData as RowMapperOptions);
port.on('message', (request: MapRequest) => {
  port.postMessage({ id: request.id, results: request.items.map((item) => map(item.record, item.rowNumber)) } satisfies MapReply);
});
port.postMessage({ id: 0, results: [] } satisfies MapReply);
