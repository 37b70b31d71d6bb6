import { index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../../platform/db/columns';

/** A Google account connected to import and refresh contacts (People API, incremental by sync token). */
export const googleConnections = pgTable(
  'google_connections',
  {
    tenantId: tenantId(),
    id: id(),
    userId: uuid().notNull(),
    email: text().notNull(),
    /** Encrypted with the installation key, like every provider secret. */
    refreshToken: text().notNull(),
    accessToken: text(),
    accessExpiresAt: tstz(),
    syncToken: text(),
    status: text().$type<'active' | 'error'>().notNull().default('active'),
    lastSyncedAt: tstz(),
    lastError: text(),
    imported: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('google_connections_tenant_user_idx').on(t.tenantId, t.userId)],
);
