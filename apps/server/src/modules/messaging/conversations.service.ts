import { and, desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { SendMessageBody, UpdateConversationBody } from '@leadmaster/contracts';
import { runPrepared, type Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError, notFound } from '../../platform/errors';
import { findBlob, readBlob } from '../../platform/storage/blobs';
import type { ChannelAdapter } from '../channels';
import { findMediaFile } from '../files';
import { actorOf, recordAudit } from '../audit';
import { userBelongsToTenant } from '../identity';
import { conversations, messages, messagingSettings } from './messaging.tables';
import { channelKindOf, contactAddress, selectConversations } from './messaging.repository';
import { checkTemplate, markAnswered, sendingChannel } from './composer';
import { presentConversation, presentMessage } from './messaging.present';
import { conversationFor, optOutKeywords } from './inbound';
import { DEFAULT_OPT_OUT_KEYWORDS } from './opt-out';
import type { Outbound } from './outbound';
import type { Realtime } from './realtime';
import type { StoredMedia } from './messaging.tables';

export const conversationNotFound = () => notFound('Conversation');

export function createConversationsService(deps: ModuleDeps & { outbound: Outbound; realtime: Realtime; adapterFor(tenantId: string, channelId: string): Promise<ChannelAdapter> }) {
  const { database, outbound, realtime } = deps;

  async function loadPresented(tx: Tx, tenantId: string, conversationId: string, userId?: string) {
    const [row] = await selectConversations(tx, tenantId, eq(conversations.id, conversationId), userId ?? null);
    if (!row) throw conversationNotFound();
    return presentConversation(row.c, row.contact, row.channelKind, userId ? row.readSeq : undefined);
  }

  /** A conversation as one user sees it (their unread), or as the tenant does (no user: events). */
  const load = (tenantId: string, conversationId: string, userId?: string) => database.readTenant(tenantId, (tx) => loadPresented(tx, tenantId, conversationId, userId));

  async function start(options: { principal: Principal; contactId: string; channelId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      if (!(await contactAddress(tx, tenantId, options.contactId))) throw notFound('Contact');
      if (!(await channelKindOf(tx, tenantId, options.channelId))) throw notFound('Channel');
      const row = await conversationFor(tx, { tenantId, channelId: options.channelId, contactId: options.contactId });
      return loadPresented(tx, tenantId, row.id, options.principal.userId);
    });
  }

  async function update(options: { principal: Principal; conversationId: string; changes: z.output<typeof UpdateConversationBody> }) {
    const { tenantId } = options.principal;
    const { changes } = options;
    return database.withTenant(tenantId, async (tx) => {
      if (changes.assigneeId !== undefined) {
        if (!options.principal.permissions.has('inbox.assign')) throw new AppError('forbidden', 'Assigning conversations needs the inbox.assign permission');
        if (changes.assigneeId && !(await userBelongsToTenant(tx, { tenantId, userId: changes.assigneeId }))) throw new AppError('validation_failed', 'Unknown user', { fields: { assigneeId: 'not a user of this tenant' } });
      }
      const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      const [row] = await tx
        .update(conversations)
        .set(set)
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)))
        .returning({ id: conversations.id });
      if (!row) throw conversationNotFound();
      if (changes.assigneeId !== undefined) {
        await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'conversation.assigned', target: { type: 'conversation', id: row.id }, details: { assigneeId: changes.assigneeId } });
      }
      realtime.conversationChanged(tx, tenantId, row.id);
      return loadPresented(tx, tenantId, row.id, options.principal.userId);
    });
  }

  /** A thread page's statements, prepared once (decision 0041): building them was a share of every page's CPU. */
  let prepared: ReturnType<typeof prepareThreadQueries> | null = null;
  const threadQueries = () => (prepared ??= prepareThreadQueries());
  function prepareThreadQueries() {
    const p = sql.placeholder;
    const db = database.db;
    const page = (before: boolean) =>
      db
        .select()
        .from(messages)
        .where(
          and(
            eq(messages.tenantId, p('tenantId')),
            eq(messages.conversationId, p('conversationId')),
            before ? sql`(${messages.createdAt}, ${messages.id}) < (${p('beforeAt')}::timestamptz, ${p('beforeId')}::uuid)` : undefined,
          ),
        )
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(p('limit'))
        .prepare('thread_page');
    return {
      conversation: db.select({ id: conversations.id }).from(conversations).where(and(eq(conversations.tenantId, p('tenantId')), eq(conversations.id, p('conversationId')))).prepare('thread_conversation'),
      latest: page(false),
      pageBefore: page(true),
    };
  }

  /** One page of a thread in the caller's transaction (the benchmark explains these statements). */
  async function listMessagesIn(tx: Tx, options: { principal: Pick<Principal, 'tenantId'>; conversationId: string; limit: number; before?: [string, string] }) {
    const { tenantId } = options.principal;
    const values = { tenantId, conversationId: options.conversationId, limit: options.limit + 1, ...(options.before ? { beforeAt: options.before[0], beforeId: options.before[1] } : {}) };
    // Both statements at once (pipelined on the transaction's connection): one round trip, not two.
    const [[conversation], rows] = await Promise.all([runPrepared(tx, threadQueries().conversation, values), runPrepared(tx, options.before ? threadQueries().pageBefore : threadQueries().latest, values)]);
    if (!conversation) throw conversationNotFound();
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page.map(presentMessage), next: rows.length > options.limit && last ? ([last.createdAt.toISOString(), last.id] as [string, string]) : null };
  }

  const listMessages = (options: { principal: Principal; conversationId: string; limit: number; before?: [string, string] }) =>
    database.readTenant(options.principal.tenantId, (tx) => listMessagesIn(tx, options));

  /**
   * A reply through the durable outbound path, following the channel's rules (see composer.ts):
   * a template outside WhatsApp's window, a Cloud API number for a listen-only WhatsApp Web
   * conversation. Answering marks the conversation answered: unread drops for the whole team.
   */
  async function reply(options: { principal: Principal; conversationId: string; body: z.output<typeof SendMessageBody> }) {
    const { tenantId, userId } = options.principal;
    const { body } = options;
    const media = body.media?.length ? await attachment({ tenantId, conversationId: options.conversationId, fromChannelId: body.fromChannelId, blobId: body.media[0]!.blobId }) : [];
    return database.withTenant(tenantId, async (tx) => {
      const [conversation] = await tx.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!conversation) throw conversationNotFound();
      if (body.replyToId) {
        const [target] = await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, body.replyToId), eq(messages.conversationId, conversation.id)));
        if (!target) throw new AppError('validation_failed', 'The message replied to is not in this conversation', { fields: { replyToId: 'not in this conversation' } });
      }
      const channelId = await sendingChannel(tx, { tenantId, conversation, fromChannelId: body.fromChannelId });
      if (body.template) await checkTemplate(tx, { tenantId, channelId, template: body.template, mimeType: media[0]?.mimeType ?? null });
      const row = await outbound.queue(tx, {
        tenantId,
        contactId: conversation.contactId,
        channelId,
        body: body.template ? '' : (body.body ?? ''),
        media,
        template: body.template ? { name: body.template.name, language: body.template.language, parameters: body.template.parameters, ...(body.template.headerParameters.length ? { headerParameters: body.template.headerParameters } : {}) } : null,
        source: 'inbox',
        createdBy: userId,
        replyToId: channelId === conversation.channelId ? (body.replyToId ?? null) : null,
      });
      await markAnswered(tx, { tenantId, conversationIds: [conversation.id, row.conversationId] });
      realtime.conversationChanged(tx, tenantId, conversation.id);
      return presentMessage(row);
    });
  }

  /**
   * A file to send with a reply (its text is the caption): one the tenant uploaded, on a channel
   * whose adapter sends media. Checked before the reply's transaction: both read elsewhere.
   */
  async function attachment(options: { tenantId: string; conversationId: string; fromChannelId: string | undefined; blobId: string }): Promise<StoredMedia[]> {
    const { tenantId } = options;
    const [conversation] = await database.withTenant(tenantId, (tx) =>
      tx.select({ channelId: conversations.channelId }).from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId))),
    );
    if (!conversation) throw conversationNotFound();
    const file = await findMediaFile(database, { tenantId, fileId: options.blobId });
    if (!file) throw new AppError('validation_failed', 'No such file in this workspace', { fields: { 'media.0.blobId': 'not a file of this workspace' } });
    const adapter = await deps.adapterFor(tenantId, options.fromChannelId ?? conversation.channelId);
    if (!adapter.capabilities.sendMedia) throw new AppError('conflict', 'This channel cannot send files', { reason: 'channel_cannot_send_media' });
    return [{ blobId: file.id, providerMediaId: null, mimeType: file.contentType, fileName: file.name, caption: null, voice: false }];
  }

  /** Media of a message, when LeadMaster holds a copy. */
  async function media(options: { principal: Principal; messageId: string; blobId: string }) {
    const { tenantId } = options.principal;
    const [message] = await database.withTenant(tenantId, (tx) => tx.select({ media: messages.media }).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, options.messageId))));
    const item = message?.media.find((m) => m.blobId === options.blobId);
    const blob = item ? await findBlob(database, { tenantId, blobId: options.blobId }) : null;
    if (!item || !blob) throw notFound('Media');
    return { contentType: blob.contentType, fileName: item.fileName ?? blob.name, size: blob.size, stream: readBlob(database, { tenantId, blobId: options.blobId }) };
  }

  async function getOptOutKeywords(principal: Principal) {
    return database.withTenant(principal.tenantId, async (tx) => {
      const keywords = await optOutKeywords(tx, principal.tenantId);
      return { keywords: [...keywords], isDefault: keywords === DEFAULT_OPT_OUT_KEYWORDS };
    });
  }

  async function setOptOutKeywords(options: { principal: Principal; keywords: string[] | null }) {
    const { tenantId } = options.principal;
    const keywords = options.keywords ? [...new Set(options.keywords.map((k) => k.trim()).filter(Boolean))] : null;
    await database.withTenant(tenantId, async (tx) => {
      await tx.insert(messagingSettings).values({ tenantId, optOutKeywords: keywords }).onConflictDoUpdate({ target: messagingSettings.tenantId, set: { optOutKeywords: keywords } });
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'messaging.opt_out_keywords_changed', target: { type: 'tenant', id: tenantId }, details: { keywords } });
    });
    return getOptOutKeywords(options.principal);
  }

  return { load, loadPresented, start, update, listMessages, listMessagesIn, reply, media, getOptOutKeywords, setOptOutKeywords };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
