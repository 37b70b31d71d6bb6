import { bigint, customType, foreignKey, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId } from '../db/columns';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Files kept by the product (imported CSVs, exports, later media), in the database itself so every
 * process and every backup has them. Stored in chunks so no statement carries a whole file.
 */
export const blobs = pgTable(
  'blobs',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    contentType: text().notNull(),
    size: bigint({ mode: 'number' }).notNull().default(0),
    sha256: text(),
    createdBy: uuid(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('blobs_tenant_created_idx').on(t.tenantId, t.createdAt)],
);

export const blobChunks = pgTable(
  'blob_chunks',
  {
    tenantId: tenantId(),
    blobId: uuid().notNull(),
    seq: integer().notNull(),
    data: bytea().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.blobId, t.seq] }),
    foreignKey({ columns: [t.tenantId, t.blobId], foreignColumns: [blobs.tenantId, blobs.id] }).onDelete('cascade'),
  ],
);
