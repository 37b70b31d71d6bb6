import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { channelAccounts } from '../channels/channels.tables';
import { contacts } from '../contacts/contacts.tables';
import { conversations } from './messaging.tables';

/** What a conversation list orders by: its last message, or its creation while it has none. */
export const conversationActivity = sql`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt})`;

/** Conversations with the contact and channel kind they show (reads the contacts' and channels' tables). */
export function selectConversations(tx: Tx, tenantId: string, where: SQL | undefined) {
  return tx
    .select({
      c: conversations,
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

export async function channelSendSettings(tx: Tx, tenantId: string, channelId: string) {
  const [row] = await tx
    .select({ kind: channelAccounts.kind, settings: channelAccounts.settings })
    .from(channelAccounts)
    .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId)));
  return row ?? null;
}
