/**
 * Worker-thread entry that owns the embedded PGlite database.
 *
 * PGlite executes queries synchronously on the thread that runs it; keeping it here leaves the
 * main thread's event loop free. The database is served over a Unix socket speaking the
 * PostgreSQL wire protocol, so the server, the CLI and tests all use the same client code as with
 * a real PostgreSQL server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readFile, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { WireMultiplexer } from './wire-mux';

export type HostOptions = {
  /** Directory of the database files; null keeps it in memory (tests). */
  dataDir: string | null;
  socketPath: string;
  /** A tarball written by `dumpTo`, loaded instead of running initdb (test templates). */
  loadFrom?: string;
};

export type HostRequest = { type: 'close' } | { type: 'dump'; file: string };
export type HostReply =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  | { type: 'dumped' }
  | { type: 'closed' };

const port = parentPort;
if (!port) throw new Error('pglite-host must run in a worker thread');
const options = workerData as HostOptions;

async function main() {
  const loadDataDir = options.loadFrom ? new Blob([await readFile(options.loadFrom)]) : undefined;
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    // btree_gist: the calendar's exclusion constraint (tenant_id, calendar_id WITH =, time range WITH &&).
    extensions: { pg_trgm, unaccent, btree_gin, btree_gist },
  });
  const mux = new WireMultiplexer({
    execProtocolRaw: (message) => db.execProtocolRaw(message),
    exec: (sql) => db.exec(sql),
  });
  await mux.listen(options.socketPath);
  port!.on('message', async (request: HostRequest) => {
    try {
      if (request.type === 'dump') {
        const blob = await db.dumpDataDir('none');
        await writeFile(request.file, Buffer.from(await blob.arrayBuffer()));
        port!.postMessage({ type: 'dumped' } satisfies HostReply);
      } else if (request.type === 'close') {
        await mux.close();
        await db.close();
        port!.postMessage({ type: 'closed' } satisfies HostReply);
      }
    } catch (err) {
      port!.postMessage({ type: 'error', message: (err as Error).message } satisfies HostReply);
    }
  });
  port!.postMessage({ type: 'ready' } satisfies HostReply);
}

main().catch((err: Error) => {
  port.postMessage({ type: 'error', message: err.stack ?? err.message } satisfies HostReply);
});
