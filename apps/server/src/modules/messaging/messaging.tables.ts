import { sql } from 'drizzle-orm';
import { bigint, boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../platform/db/columns';
import { contacts } from '../contacts/contacts.tables';

export type ConversationStatus = 'active' | 'archived' | 'closed';

/**
 * One thread between a contact and one channel account. Its counters and last-message fields are
 * kept in step by the messaging module so the inbox lists without touching messages.
 */
export const conversations = pgTable(
  'conversations',
  {
    tenantId: tenantId(),
    id: id(),
    contactId: uuid().notNull(),
    channelId: uuid().notNull(),
    status: text().$type<ConversationStatus>().notNull().default('active'),
    assigneeId: uuid(),
    pinned: boolean().notNull().default(false),
    /**
     * Unread per user without counting messages (decision 0013): every inbound message takes the
     * next `inboundSeq`; a reply by the team sets `answeredSeq` to it; each user's read marker is a
     * `conversation_reads.readSeq`. Unread for a user = inboundSeq − max(answeredSeq, readSeq).
     */
    inboundSeq: integer().notNull().default(0),
    answeredSeq: integer().notNull().default(0),
    /** Tenant-defined labels (inbox_labels ids); an array so the list filters on one indexed row. */
    labelIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    lastMessageAt: tstz(),
    lastMessagePreview: text(),
    lastMessageDirection: text().$type<MessageDirection>(),
    /** When the contact last wrote: WhatsApp allows free text for 24 h after it. */
    lastInboundAt: tstz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('conversations_tenant_channel_contact_key').on(t.tenantId, t.channelId, t.contactId),
    // The inbox list: pinned first, then by activity; the keyset cursor walks this index.
    // Written as SQL so the index's null order matches `order by … desc` (drizzle's .desc() adds NULLS LAST).
    index('conversations_tenant_list_idx').on(t.tenantId, sql`${t.pinned} desc`, sql`coalesce(${t.lastMessageAt}, ${t.createdAt}) desc`, sql`${t.id} desc`),
    // The same order within one status (the inbox opens on `active`) and within one assignee's
    // status (mine, unassigned = null): a filtered page reads its 50 entries instead of filtering
    // the tenant's whole list (decision 0018).
    index('conversations_tenant_status_list_idx').on(t.tenantId, t.status, sql`${t.pinned} desc`, sql`coalesce(${t.lastMessageAt}, ${t.createdAt}) desc`, sql`${t.id} desc`),
    index('conversations_tenant_assignee_list_idx').on(
      t.tenantId,
      t.assigneeId,
      t.status,
      sql`${t.pinned} desc`,
      sql`coalesce(${t.lastMessageAt}, ${t.createdAt}) desc`,
      sql`${t.id} desc`,
    ),
    // Only conversations waiting for an answer can be unread: the sidebar total reads just these.
    index('conversations_tenant_awaiting_idx').on(t.tenantId, t.id).where(sql`${t.inboundSeq} > ${t.answeredSeq}`),
    index('conversations_tenant_labels_idx').using('gin', t.tenantId, t.labelIds),
    index('conversations_tenant_contact_idx').on(t.tenantId, t.contactId),
    // Deleting a contact (a privacy request) deletes its conversations and messages. A removed
    // channel account keeps its history (no key to channel_accounts): see decision 0010.
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id], name: 'conversations_contact_fk' }).onDelete('cascade'),
  ],
);

/** `note`: an internal note of the team, shown in the thread and never sent to a channel. */
export type MessageDirection = 'inbound' | 'outbound' | 'note';
/**
 * queued → sending → sent → delivered → read; failed with a reason. `received` for inbound.
 * `ambiguous`: the provider may have accepted it but we never learned (a crash or a timeout after
 * the request left): never resent blindly, settled by a status webhook or by a person.
 */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'ambiguous' | 'received' | 'note';

export type StoredMedia = {
  /** The copy kept by LeadMaster (outbound uploads, inbound once downloaded). */
  blobId: string | null;
  providerMediaId: string | null;
  mimeType: string | null;
  fileName: string | null;
  caption: string | null;
  voice: boolean;
  /** What was said in an audio attachment, once transcribed (absent until then). */
  transcript?: string | null;
};

export type MessageContent =
  | { type: 'text' }
  | { type: 'media' }
  | { type: 'template'; template: { name: string; language: string; parameters: string[]; headerParameters?: string[] } };

export const messages = pgTable(
  'messages',
  {
    tenantId: tenantId(),
    id: id(),
    conversationId: uuid().notNull(),
    contactId: uuid().notNull(),
    channelId: uuid().notNull(),
    direction: text().$type<MessageDirection>().notNull(),
    /** whatsapp, imessage, sms, sandbox: what it travelled on (BlueBubbles may fall back to SMS). */
    service: text(),
    type: text().notNull().default('text'),
    body: text().notNull().default(''),
    media: jsonb().$type<StoredMedia[]>().notNull().default([]),
    /** For a template send: which template and its parameters. */
    template: jsonb().$type<{ name: string; language: string; parameters: string[]; headerParameters?: string[] } | null>(),
    status: text().$type<MessageStatus>().notNull(),
    providerMessageId: text(),
    replyToId: uuid(),
    /** Who asked for it: inbox (a person), campaign, api, channel (an echo of a message sent from the phone). */
    source: text().notNull().default('inbox'),
    createdBy: uuid(),
    errorCode: text(),
    errorMessage: text(),
    attempts: integer().notNull().default(0),
    /** While `sending`: until when the worker that claimed it owns it. */
    leaseUntil: tstz(),
    nextAttemptAt: tstz(),
    /** Provider time for inbound, our time for outbound. */
    createdAt: createdAt(),
    sentAt: tstz(),
    deliveredAt: tstz(),
    readAt: tstz(),
    failedAt: tstz(),
    statusAt: tstz(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('messages_tenant_channel_provider_key').on(t.tenantId, t.channelId, t.providerMessageId).where(sql`${t.providerMessageId} is not null`),
    // Written in SQL: drizzle's .desc() adds NULLS LAST, which `order by … desc` (NULLS FIRST) cannot use.
    index('messages_tenant_conversation_idx').on(t.tenantId, t.conversationId, sql`${t.createdAt} desc`, sql`${t.id} desc`),
    // Inbox search over message text: words in any language, accents folded ('acción' is found by
    // 'accion'): the `leadmaster_text` configuration (migration 0011) is `simple` (no stemming, so
    // Spanish and English both match as typed) behind the `unaccent` dictionary; prefix matches
    // through `word:*` queries. Decision 0018.
    index('messages_tenant_body_fts_idx').using('gin', t.tenantId, sql`to_tsvector('public.leadmaster_text'::regconfig, ${t.body})`),
    foreignKey({ columns: [t.tenantId, t.conversationId], foreignColumns: [conversations.tenantId, conversations.id], name: 'messages_conversation_fk' }).onDelete('cascade'),
    index('messages_tenant_in_flight_idx').on(t.tenantId, t.status, t.leaseUntil).where(sql`${t.status} in ('queued', 'sending')`),
  ],
);

/**
 * Statuses that arrived before the send that caused them was recorded (a webhook can beat the
 * commit of the send's answer). Applied, then removed, when the message learns its provider id.
 */
export const pendingStatuses = pgTable(
  'message_pending_statuses',
  {
    tenantId: tenantId(),
    channelId: uuid().notNull(),
    providerMessageId: text().notNull(),
    status: text().$type<'sent' | 'delivered' | 'read' | 'failed'>().notNull(),
    at: tstz().notNull(),
    error: jsonb().$type<{ code: string; title: string; message: string | null } | null>(),
    receivedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.channelId, t.providerMessageId, t.status] })],
);

export type IdentityKind = 'wa_id' | 'lid' | 'handle';

/**
 * Channel identities that are not a phone number in the contact row: WhatsApp ids, `@lid` ids,
 * iMessage handles. One person stays one contact however the provider names them.
 */
export const contactIdentities = pgTable(
  'contact_identities',
  {
    tenantId: tenantId(),
    kind: text().$type<IdentityKind>().notNull(),
    value: text().notNull(),
    contactId: uuid().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.kind, t.value] }),
    index('contact_identities_tenant_contact_idx').on(t.tenantId, t.contactId),
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id], name: 'contact_identities_contact_fk' }).onDelete('cascade'),
  ],
);

/** Per-tenant messaging settings: the opt-out keywords (null = the defaults). */
export const messagingSettings = pgTable('messaging_settings', {
  tenantId: tenantId().primaryKey(),
  optOutKeywords: text().array(),
  /** When the default labels were created (once: a tenant that deletes them keeps them deleted). */
  labelsSeededAt: tstz(),
  updatedAt: updatedAt(),
});

/** A user's read marker in a conversation: the inbound sequence number they have seen up to. */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    tenantId: tenantId(),
    userId: uuid().notNull(),
    conversationId: uuid().notNull(),
    readSeq: integer().notNull().default(0),
    readAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId, t.conversationId] }),
    // The readers of one conversation: the unread totals' triggers (decision 0025) and its cascade delete.
    index('conversation_reads_tenant_conversation_idx').on(t.tenantId, t.conversationId),
    foreignKey({ columns: [t.tenantId, t.conversationId], foreignColumns: [conversations.tenantId, conversations.id], name: 'conversation_reads_conversation_fk' }).onDelete('cascade'),
  ],
);

/**
 * The sidebar's unread total without summing over conversations (decision 0025), kept exact by
 * triggers on `conversations` and `conversation_reads` (migration 0019). The tenant's part: the
 * inbound messages and conversations waiting for an answer (inboundSeq − answeredSeq, > 0).
 */
export const inboxUnreadTenants = pgTable('inbox_unread_tenants', {
  tenantId: tenantId().primaryKey(),
  waitingMessages: bigint({ mode: 'number' }).notNull().default(0),
  waitingConversations: integer().notNull().default(0),
});

/**
 * A user's part: of the waiting messages, those they have read (Σ max(0, min(readSeq, inboundSeq) −
 * answeredSeq)), and the waiting conversations they have read to the end. Their unread total is the
 * tenant's row minus this one; a user with no row has read nothing that is waiting.
 */
export const inboxUnreadUsers = pgTable(
  'inbox_unread_users',
  {
    tenantId: tenantId(),
    userId: uuid().notNull(),
    readMessages: bigint({ mode: 'number' }).notNull().default(0),
    readConversations: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

/** Tenant-defined conversation labels; `keywords` are the text rules that suggest the label. */
export const inboxLabels = pgTable(
  'inbox_labels',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    color: text().notNull().default('gray'),
    keywords: text().array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex('inbox_labels_tenant_name_key').on(t.tenantId, sql`lower(${t.name})`)],
);

/** Tenant-defined quick replies: a shortcut and a body with {{variables}} filled in the composer. */
export const quickReplies = pgTable(
  'quick_replies',
  {
    tenantId: tenantId(),
    id: id(),
    shortcut: text().notNull(),
    body: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex('quick_replies_tenant_shortcut_key').on(t.tenantId, sql`lower(${t.shortcut})`)],
);
