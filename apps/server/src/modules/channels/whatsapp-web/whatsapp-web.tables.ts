import { foreignKey, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tenantId, tstz, updatedAt } from '../../../platform/db/columns';
import { channelAccounts } from '../channels.tables';

export type SessionState = 'INITIALIZING' | 'QR_REQUIRED' | 'READY' | 'RECONNECTING' | 'DISCONNECTED' | 'LOGGED_OUT' | 'FAILED';

/**
 * One WhatsApp Web session per channel account: its state (what the status contract shows, read by
 * any process), the linked device's credentials (encrypted, so a restart needs no new QR), and the
 * lease that says which worker process holds the live socket.
 */
export const whatsappWebSessions = pgTable(
  'whatsapp_web_sessions',
  {
    tenantId: tenantId(),
    channelId: uuid().notNull(),
    state: text().$type<SessionState>().notNull().default('INITIALIZING'),
    since: tstz().notNull().defaultNow(),
    /** The QR being offered (encrypted), only while QR_REQUIRED. */
    qr: text(),
    qrExpiresAt: tstz(),
    /** Baileys' creds (AES-GCM ciphertext of their JSON); null until the first QR is scanned. */
    creds: text(),
    /** The linked account as WhatsApp reported it ({ id, name }). */
    account: jsonb().$type<{ id: string; name: string | null } | null>(),
    lastError: text(),
    reconnectAttempts: integer().notNull().default(0),
    /** A restart or logout asked for through the API, carried out by the process holding the lease. */
    command: text().$type<'restart' | 'logout'>(),
    commandAt: tstz(),
    leaseOwner: text(),
    leaseUntil: tstz(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channelId] }),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channelAccounts.tenantId, channelAccounts.id] }).onDelete('cascade'),
  ],
);

/** Baileys' Signal keys (pre-keys, sessions, sender keys, app-state keys), each encrypted. */
export const whatsappWebKeys = pgTable(
  'whatsapp_web_keys',
  {
    tenantId: tenantId(),
    channelId: uuid().notNull(),
    type: text().notNull(),
    keyId: text().notNull(),
    value: text().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channelId, t.type, t.keyId] }),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channelAccounts.tenantId, channelAccounts.id] }).onDelete('cascade'),
  ],
);
