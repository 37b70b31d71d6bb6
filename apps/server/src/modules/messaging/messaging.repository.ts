import { and, eq, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { ChannelTemplate, ComposerTemplate } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import { channelAccounts } from '../channels/channels.tables';
import { contacts } from '../contacts/contacts.tables';
import { conversationReads, conversations, messages } from './messaging.tables';
import { equalsAny } from '../../platform/db/equals-any';

/** What a conversation list orders by: its last message, or its creation while it has none. */
export const conversationActivity = sql`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt})`;

/**
 * Conversations with the contact and channel kind they show (reads the contacts' and channels'
 * tables) and, when a user is given, that user's read marker.
 */
export function selectConversations(tx: Tx, tenantId: string | Placeholder, where: SQL | undefined, userId: string | Placeholder | null = null) {
  return tx
    .select({
      c: conversations,
      readSeq: conversationReads.readSeq,
      contact: {
        id: contacts.id,
        firstName: contacts.firstName,
        lastName: contacts.lastName,
        company: contacts.company,
        phoneE164: contacts.phoneE164,
        email: contacts.email,
        blacklisted: contacts.blacklisted,
      },
      channelKind: sql<string>`coalesce(${channelAccounts.kind}, 'removed')`,
      activity: sql<string>`${conversationActivity}`,
    })
    .from(conversations)
    .innerJoin(contacts, and(eq(contacts.tenantId, conversations.tenantId), eq(contacts.id, conversations.contactId)))
    .leftJoin(channelAccounts, and(eq(channelAccounts.tenantId, conversations.tenantId), eq(channelAccounts.id, conversations.channelId)))
    .leftJoin(
      conversationReads,
      and(
        eq(conversationReads.tenantId, conversations.tenantId),
        eq(conversationReads.conversationId, conversations.id),
        userId ? eq(conversationReads.userId, userId) : sql`false`,
      ),
    )
    .where(and(eq(conversations.tenantId, tenantId), where));
}

export async function channelKindOf(tx: Tx, tenantId: string, channelId: string): Promise<string | null> {
  const [row] = await tx.select({ kind: channelAccounts.kind }).from(channelAccounts).where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId)));
  return row?.kind ?? null;
}

export async function contactAddress(tx: Tx, tenantId: string, contactId: string) {
  const [row] = await tx.select({ id: contacts.id, phoneE164: contacts.phoneE164, email: contacts.email }).from(contacts).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, contactId)));
  return row ?? null;
}

/** The kinds of several channel accounts (a missing one is absent from the map). */
export async function channelKindsOf(tx: Tx, tenantId: string, channelIds: string[]): Promise<Map<string, string>> {
  if (channelIds.length === 0) return new Map();
  const rows = await tx.select({ id: channelAccounts.id, kind: channelAccounts.kind }).from(channelAccounts).where(and(eq(channelAccounts.tenantId, tenantId), equalsAny(channelAccounts.id, channelIds)));
  return new Map(rows.map((r) => [r.id, r.kind]));
}

/** The numbers and addresses of several contacts, in one query (a drain's batch). */
export async function contactAddresses(tx: Tx, tenantId: string, contactIds: string[]) {
  if (contactIds.length === 0) return new Map<string, { id: string; phoneE164: string | null; email: string | null }>();
  // The ids as one array parameter: a drain's slices come in every size, and `in ($2, …)` made a
  // statement per size that each connection kept prepared for good (decision 0003).
  const rows = await tx
    .select({ id: contacts.id, phoneE164: contacts.phoneE164, email: contacts.email })
    .from(contacts)
    .where(and(eq(contacts.tenantId, tenantId), equalsAny(contacts.id, contactIds)));
  return new Map(rows.map((r) => [r.id, r]));
}

export async function channelSendSettings(tx: Tx, tenantId: string, channelId: string) {
  const [row] = await tx
    .select({ kind: channelAccounts.kind, settings: channelAccounts.settings, providerState: channelAccounts.providerState })
    .from(channelAccounts)
    .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId)));
  return row ?? null;
}

/** A channel account as the composer needs it: kind, name, and the Cloud API templates last synced. */
export async function channelForComposer(tx: Tx, tenantId: string, channelId: string) {
  const [row] = await tx
    .select({ id: channelAccounts.id, kind: channelAccounts.kind, name: channelAccounts.name, providerState: channelAccounts.providerState })
    .from(channelAccounts)
    .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId)));
  return row ?? null;
}

export async function cloudChannelsOf(tx: Tx, tenantId: string) {
  return tx
    .select({ id: channelAccounts.id, kind: channelAccounts.kind, name: channelAccounts.name, providerState: channelAccounts.providerState })
    .from(channelAccounts)
    .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.kind, 'whatsapp_cloud')));
}

/** Approved templates of a Cloud API channel, as synced into its provider state. */
export function approvedTemplates(providerState: Record<string, unknown>): ComposerTemplate[] {
  const stored = providerState.templates as { items?: ChannelTemplate[] } | undefined;
  return (stored?.items ?? [])
    .filter((t) => t.status.toUpperCase() === 'APPROVED')
    .map((t) => ({
      name: t.name,
      language: t.language,
      category: t.category,
      ...(t.headerFormat !== undefined ? { headerFormat: t.headerFormat } : {}),
      ...(t.bodyParameters !== undefined ? { bodyParameters: t.bodyParameters } : {}),
      ...(t.headerParameters !== undefined ? { headerParameters: t.headerParameters } : {}),
    }));
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** The text search configuration of the message index: `simple` with accents folded (migration 0011). */
export const TEXT_SEARCH_CONFIG = sql.raw(`'public.leadmaster_text'::regconfig`);

/**
 * Inbox search: the contact's name (trigram index on contacts.search_text, accents folded), its
 * number in any format (the phone key), or words of any message of the conversation (accents folded,
 * for the session's tenant only). Each part is a subquery on its own index, so the list keeps walking
 * its keyset index and checks each conversation against the matches. Message words two ways:
 * - `messagesVia: 'index'`: every matching message's conversation gathered through the full-text
 *   index, hashed (costs in proportion to the tenant's matching messages: fine for a rare word);
 * - `messagesVia: 'thread'`: each listed conversation's own messages read through the thread index
 *   until one matches (costs in proportion to the conversations walked: for a bounded walk of the
 *   newest, where a common word fills the page long before the index would have gathered its matches);
 *   the contact is then checked the same way, by a probe of its own row.
 */
export function conversationSearch(options: { tenantId: string; phoneKey: string | null; digits: string; words: string[]; textQuery: string | null; messagesVia: 'index' | 'thread' }): SQL {
  const contactMatches: SQL[] = [];
  if (options.phoneKey) contactMatches.push(or(eq(contacts.phoneKey, options.phoneKey), sql`${contacts.phoneKey} like ${`%${options.digits.slice(-8)}%`}`)!);
  if (options.words.length) contactMatches.push(and(...options.words.map((w) => sql`${contacts.searchText} like ${`%${escapeLike(w)}%`}`))!);
  const conditions: SQL[] = [];
  if (contactMatches.length && options.messagesVia === 'thread') {
    // A few walked conversations: each checks its own contact (one probe of the primary key) rather
    // than all the tenant's contacts being searched for them.
    conditions.push(sql`exists (select 1 from ${contacts} where ${contacts.tenantId} = ${conversations.tenantId} and ${contacts.id} = ${conversations.contactId} and (${or(...contactMatches)}))`);
  } else if (contactMatches.length) {
    conditions.push(sql`${conversations.contactId} in (select ${contacts.id} from ${contacts} where ${contacts.tenantId} = ${options.tenantId} and (${or(...contactMatches)}))`);
  }
  if (options.textQuery && options.messagesVia === 'thread') {
    conditions.push(
      sql`exists (select 1 from ${messages} where ${messages.tenantId} = ${conversations.tenantId} and ${messages.conversationId} = ${conversations.id} and to_tsvector(${TEXT_SEARCH_CONFIG}, ${messages.body}) @@ to_tsquery(${TEXT_SEARCH_CONFIG}, ${options.textQuery}))`,
    );
  } else if (options.textQuery) {
    // Through app_inbox_message_matches (migration 0015): under the app role's row-level security the
    // full-text index could not serve `@@`, and every message of the tenant was read instead.
    conditions.push(sql`${conversations.id} in (select conversation_id from app_inbox_message_matches(to_tsquery(${TEXT_SEARCH_CONFIG}, ${options.textQuery})))`);
  }
  return conditions.length ? or(...conditions)! : sql`false`;
}
