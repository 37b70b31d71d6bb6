import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Database } from '../db/database';
import { blobChunks, blobs } from './blobs.tables';
import { AppError } from '../errors';

const CHUNK_BYTES = 512 * 1024;

export type StoredBlob = { id: string; name: string; contentType: string; size: number; sha256: string };

/**
 * Writes a stream into the database in chunks, each chunk its own short transaction, so a large
 * upload never holds the (embedded, single-session) database for long. `maxBytes` stops it early.
 */
export async function putBlob(
  database: Database,
  options: { tenantId: string; name: string; contentType: string; source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>; createdBy?: string | null; maxBytes?: number },
): Promise<StoredBlob> {
  const { tenantId } = options;
  const [row] = await database.withTenant(tenantId, (tx) =>
    tx.insert(blobs).values({ tenantId, name: options.name.slice(0, 255), contentType: options.contentType, createdBy: options.createdBy ?? null }).returning({ id: blobs.id }),
  );
  const blobId = row!.id;
  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    const chunkSeq = seq++;
    await database.withTenant(tenantId, (tx) => tx.insert(blobChunks).values({ tenantId, blobId, seq: chunkSeq, data }));
  };
  try {
    for await (const part of options.source) {
      const buf = typeof part === 'string' ? Buffer.from(part) : part;
      size += buf.length;
      if (options.maxBytes && size > options.maxBytes) {
        throw new AppError('payload_too_large', `The file is larger than ${Math.round(options.maxBytes / 1024 / 1024)} MB`);
      }
      hash.update(buf);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    await flush();
  } catch (err) {
    await deleteBlob(database, { tenantId, blobId }).catch(() => undefined);
    throw err;
  }
  const sha256 = hash.digest('hex');
  await database.withTenant(tenantId, (tx) =>
    tx.update(blobs).set({ size, sha256 }).where(and(eq(blobs.tenantId, tenantId), eq(blobs.id, blobId))),
  );
  return { id: blobId, name: options.name, contentType: options.contentType, size, sha256 };
}

/** Streams a blob back, one chunk per query. */
export function readBlob(database: Database, options: { tenantId: string; blobId: string }): Readable {
  const { tenantId, blobId } = options;
  let nextSeq = 0;
  return Readable.from(
    (async function* () {
      for (;;) {
        const [chunk] = await database.withTenant(tenantId, (tx) =>
          tx
            .select({ seq: blobChunks.seq, data: blobChunks.data })
            .from(blobChunks)
            .where(and(eq(blobChunks.tenantId, tenantId), eq(blobChunks.blobId, blobId), gt(blobChunks.seq, nextSeq - 1)))
            .orderBy(asc(blobChunks.seq))
            .limit(1),
        );
        if (!chunk) return;
        nextSeq = chunk.seq + 1;
        yield chunk.data;
      }
    })(),
  );
}

export async function findBlob(database: Database, options: { tenantId: string; blobId: string }) {
  const [row] = await database.withTenant(options.tenantId, (tx) =>
    tx.select().from(blobs).where(and(eq(blobs.tenantId, options.tenantId), eq(blobs.id, options.blobId))),
  );
  return row ?? null;
}

export async function deleteBlob(database: Database, options: { tenantId: string; blobId: string }) {
  await database.withTenant(options.tenantId, (tx) =>
    tx.delete(blobs).where(and(eq(blobs.tenantId, options.tenantId), eq(blobs.id, options.blobId))),
  );
}
