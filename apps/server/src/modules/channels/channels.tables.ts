import { sql } from 'drizzle-orm';
import { customType, doublePrecision, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../platform/db/columns';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export type ChannelKind = 'sandbox' | 'whatsapp_cloud' | 'bluebubbles' | 'whatsapp_web';
export type ChannelStatus = 'active' | 'disabled' | 'error';

/**
 * A connected channel account (a WhatsApp Cloud number, a BlueBubbles server, a WhatsApp Web
 * listener, the Sandbox). Secrets live only in `secrets`, encrypted with the installation key.
 */
export const channelAccounts = pgTable(
  'channel_accounts',
  {
    tenantId: tenantId(),
    id: id(),
    kind: text().$type<ChannelKind>().notNull(),
    name: text().notNull(),
    status: text().$type<ChannelStatus>().notNull().default('active'),
    /** Non-secret settings (phone number id, server URL, throughput, sandbox behaviour…). */
    settings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** AES-GCM ciphertext of a JSON object of secrets (access token, app secret, password…). */
    secrets: text(),
    /** Keyed hash of the secret in the BlueBubbles webhook URL (compared in constant time). */
    webhookSecretHash: text(),
    /** What the provider told us about the account: quality rating, messaging tier, capabilities. */
    providerState: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export type InboundStatus = 'pending' | 'processed' | 'ignored' | 'dead';

/**
 * Every webhook, stored as received (the exact bytes) before it is acknowledged, then processed
 * from here. One row per provider event: a provider's retry of the same event is a duplicate.
 */
export const inboundEvents = pgTable(
  'inbound_events',
  {
    tenantId: tenantId(),
    id: id(),
    channelId: uuid().notNull(),
    /** The provider's own id for the delivery (a hash of the body when it has none). */
    providerEventId: text().notNull(),
    body: bytea().notNull(),
    headers: jsonb().$type<Record<string, string>>().notNull().default({}),
    status: text().$type<InboundStatus>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    error: text(),
    receivedAt: tstz().notNull().defaultNow(),
    processedAt: tstz(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('inbound_events_channel_event_key').on(t.tenantId, t.channelId, t.providerEventId),
    index('inbound_events_pending_idx').on(t.tenantId, t.status, t.receivedAt).where(sql`${t.status} in ('pending', 'dead')`),
  ],
);

/**
 * A token bucket per channel account, shared by every sender of every process: how a number's
 * rate (80 msg/s, 20 when shared with the Business app, 1/s per BlueBubbles line) holds however
 * many workers send. Capacity one token: sends are spaced, never bursted.
 */
export const channelSendBuckets = pgTable(
  'channel_send_buckets',
  {
    tenantId: tenantId(),
    channelId: uuid().notNull(),
    tokens: doublePrecision().notNull(),
    refilledAt: tstz().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.channelId] })],
);

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * What holds a channel account's sends back for a while, shared by every sender of every process
 * (see breaker.ts): its circuit breaker — `closed`; `open` after repeated provider faults (timeouts,
 * 5xx, 429/130429) until `retryAt`; `half_open` while one probe send is out (its lease ends at
 * `retryAt`) — and its count of sends in the current day (a BlueBubbles line's daily cap).
 */
export const channelSendGuards = pgTable(
  'channel_send_guards',
  {
    tenantId: tenantId(),
    channelId: uuid().notNull(),
    breakerState: text().$type<BreakerState>().notNull().default('closed'),
    /** Provider faults since the last success. */
    failures: integer().notNull().default(0),
    /** Times the breaker opened since it last closed: the cool-down doubles with each. */
    openings: integer().notNull().default(0),
    retryAt: tstz(),
    lastError: text(),
    changedAt: tstz().notNull().defaultNow(),
    dayStartedAt: tstz(),
    dayCount: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channelId] }),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channelAccounts.tenantId, channelAccounts.id], name: 'channel_send_guards_channel_fk' }).onDelete('cascade'),
  ],
);

/**
 * WhatsApp's messaging limit kept at send time (messaging-limit.ts): whom each Cloud API number
 * started a conversation with, and when. A number may start conversations with at most its tier's
 * count of unique people in any rolling 24 hours, across every campaign and user sending on it; a
 * send to someone not started in the last 24 hours takes one of those places, or waits.
 */
export const channelConversationStarts = pgTable(
  'channel_conversation_starts',
  {
    tenantId: tenantId(),
    channelId: uuid().notNull(),
    contactId: uuid().notNull(),
    startedAt: tstz().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channelId, t.contactId] }),
    // The places taken in the window: a range of this index, counted per send round.
    index('channel_conversation_starts_window_idx').on(t.tenantId, t.channelId, t.startedAt),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channelAccounts.tenantId, channelAccounts.id], name: 'channel_conversation_starts_channel_fk' }).onDelete('cascade'),
  ],
);
