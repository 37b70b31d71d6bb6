import { and, eq, isNull, sql } from 'drizzle-orm';
import { boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, real, smallint, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../platform/db/columns';

export type TemplateMediaRef = { blobId: string; mimeType: string | null; fileName: string | null };
/** `headerParameters`: a TEXT header's `{{1}}` (absent on mappings saved before decision 0050). */
export type WhatsAppTemplateMapping = { name: string; language: string; parameters: string[]; headerParameters?: string[] };

/** A message to send: a body with variables, media kept in the tenant's blobs, a WhatsApp template mapping. */
export const messageTemplates = pgTable(
  'message_templates',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    body: text().notNull().default(''),
    media: jsonb().$type<TemplateMediaRef[]>().notNull().default([]),
    whatsappTemplate: jsonb().$type<WhatsAppTemplateMapping | null>(),
    createdBy: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('message_templates_tenant_name_idx').on(t.tenantId, t.name)],
);

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export type CampaignAudience = { segmentId: string } | { contactIds: string[] } | { all: true };
export type Pacing = { mode: 'fixed'; delaySeconds: number } | { mode: 'random'; minSeconds: number; maxSeconds: number } | { mode: 'spread'; overHours: number };
export type SendWindow = { days: number[]; start: string; end: string };
export type GuardRails = { firstN: number; maxFailureRate: number; maxOptOutRate: number };

export const campaigns = pgTable(
  'campaigns',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    status: text().$type<CampaignStatus>().notNull().default('draft'),
    templateId: uuid().notNull(),
    channelIds: uuid().array().notNull(),
    audience: jsonb().$type<CampaignAudience>().notNull(),
    requireValidated: boolean().notNull().default(false),
    minScore: smallint().notNull().default(70),
    scheduleAt: tstz(),
    pacing: jsonb().$type<Pacing>().notNull(),
    sendWindow: jsonb().$type<SendWindow | null>(),
    perNumberRate: real(),
    dailyCap: integer(),
    frequencyCapDays: integer(),
    guardRails: jsonb().$type<GuardRails>().notNull(),
    /** Why the campaign was paused when the engine paused it (an error code, a guard rail). */
    pausedReason: text(),
    /** Materialising the audience: the last contact id written, and when it finished. */
    materializeCursor: uuid(),
    materializedAt: tstz(),
    createdBy: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    launchedAt: tstz(),
    completedAt: tstz(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('campaigns_tenant_created_idx').on(t.tenantId, sql`${t.createdAt} desc`, t.id)],
);

export type RecipientStatus = 'pending' | 'queued' | 'sent' | 'delivered' | 'read' | 'replied' | 'failed' | 'ambiguous' | 'skipped';

/**
 * The ledger: one row per (campaign, recipient), written when the campaign starts and moved by
 * the engine (claimed in the transaction that queues the message) and by the message's outcomes.
 * `messageHash` names what is sent to whom (the campaign and the recipient's phone line): a second
 * contact row for the same line cannot get the same campaign twice.
 */
export const campaignRecipients = pgTable(
  'campaign_recipients',
  {
    tenantId: tenantId(),
    campaignId: uuid().notNull(),
    contactId: uuid().notNull(),
    /** md5 of the campaign and the phone line, as a uuid: 16 bytes compared bytewise (decision 0045). */
    messageHash: uuid().notNull(),
    status: text().$type<RecipientStatus>().notNull().default('pending'),
    skipReason: text(),
    channelId: uuid(),
    dueAt: tstz().notNull(),
    messageId: uuid(),
    errorCode: text(),
    attempts: smallint().notNull().default(0),
    queuedAt: tstz(),
    repliedAt: tstz(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.campaignId, t.contactId] }),
    // The hash is of the campaign id and the phone line, so unique on it alone is unique per
    // campaign (decision 0057): 16-byte keys, where (tenant, campaign, hash) made them 48 for the
    // index every materialised row writes at a random place.
    uniqueIndex('campaign_recipients_message_hash_key').on(t.messageHash),
    // What the engine claims: only pending rows are in it, so finished rows are never walked again.
    // Its condition names no `status` (decision 0027): a pending row is one with no message and no
    // skip reason, and a status change after the claim (queued → sent → delivered → read → replied)
    // then touches no indexed column, so PostgreSQL updates the row in place (HOT) without writing
    // index entries. Queries for pending rows repeat this condition to be planned on it.
    index('campaign_recipients_tenant_due_idx').on(t.tenantId, t.campaignId, t.dueAt, t.contactId).where(sql`${t.messageId} is null and ${t.skipReason} is null`),
    index('campaign_recipients_tenant_message_idx').on(t.tenantId, t.messageId).where(sql`${t.messageId} is not null`),
    // The frequency cap and replies look a contact up across campaigns, and so does a contact's
    // deletion (migration 0031's trigger, in place of a key's cascade): it stays a full index.
    index('campaign_recipients_tenant_contact_idx').on(t.tenantId, t.contactId, t.queuedAt),
    // No foreign keys (decision 0046): their per-row checks were a third of a materialisation's
    // database CPU. The one writer of ledger rows (materializeBatch) takes them from a select of the
    // campaign (locked FOR UPDATE) and of the tenant's contacts, holding the tenant's ledger lock
    // (decision 0055) that contact deletions take too; triggers of migrations 0031/0033 delete a
    // contact's or a campaign's rows with it and refuse a change of the keys.
  ],
);

/**
 * A pending ledger row, written so PostgreSQL plans it on the due index: `status = 'pending'` and
 * the index's own condition (no message, no skip reason), which every pending row meets.
 */
export const recipientIsPending = and(eq(campaignRecipients.status, 'pending'), isNull(campaignRecipients.messageId), isNull(campaignRecipients.skipReason))!;

/**
 * The campaign's outcomes per minute (decision 0034), for its chart over time: added to by a
 * statement trigger on the ledger (`app_campaign_timeline_changed`, migration 0026): a statement
 * that changes ledger statuses inserts, per campaign and minute, how many rows reached each stage
 * of the funnel (or left it: a 131049 cool-down back to pending takes back its queued and sent) at
 * the time the ledger and its message say. Append-only (no row is updated, so workers never wait
 * on each other's counts): a minute's figure is the sum of its rows.
 */
export const campaignTimeline = pgTable(
  'campaign_timeline',
  {
    tenantId: tenantId(),
    campaignId: uuid().notNull(),
    minute: tstz().notNull(),
    queued: integer().notNull().default(0),
    sent: integer().notNull().default(0),
    delivered: integer().notNull().default(0),
    read: integer().notNull().default(0),
    replied: integer().notNull().default(0),
    failed: integer().notNull().default(0),
  },
  (t) => [
    index('campaign_timeline_tenant_campaign_idx').on(t.tenantId, t.campaignId, t.minute),
    foreignKey({ columns: [t.tenantId, t.campaignId], foreignColumns: [campaigns.tenantId, campaigns.id], name: 'campaign_timeline_campaign_fk' }).onDelete('cascade'),
  ],
);
