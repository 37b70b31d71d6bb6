import { and, arrayContains, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConversationListQuery, UnreadTotal } from '@leadmaster/contracts';
import { runPrepared, type Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError } from '../../platform/errors';
import { actorOf, recordAudit } from '../audit';
import { normalizeSearch, phoneSearchKey, recordOptOut } from '../contacts';
import { getTenant } from '../tenants';
import { conversationReads, conversations, inboxUnreadTenants, inboxUnreadUsers, messages } from './messaging.tables';
import { channelKindOf, contactAddress, conversationActivity, conversationSearch, selectConversations } from './messaging.repository';
import { presentConversation, presentMessage, unreadOf } from './messaging.present';
import { composerRules } from './composer';
import { conversationNotFound, type ConversationsService } from './conversations.service';
import type { Realtime } from './realtime';
import { equalsAny } from '../../platform/db/equals-any';

/** The keyset of the list: pinned first, then the latest activity. */
export type ListCursor = [boolean, string, string];
/**
 * A text search first checks this many conversations per row of the page (newest first) on their own
 * messages, as a probe: a rare word finds next to nothing there and goes to the full-text index at
 * once. When at least 1 in COMMON_MATCH_RATE of them matched, the word is common and the walk goes on
 * for up to WALKED_IF_COMMON per row (stopping as soon as the page is full) before the index.
 */
const PROBED_PER_ROW = 1;
const WALKED_IF_COMMON = 8;
const COMMON_MATCH_RATE = 8;

/** The list's order as a row comparison against a keyset position. */
const keysetFrom = (key: ListCursor, op: '<' | '>=') =>
  sql`(${conversations.pinned}, ${conversationActivity}, ${conversations.id}) ${sql.raw(op)} (${key[0]}::boolean, ${key[1]}::timestamptz, ${key[2]}::uuid)`;

const CONSENT_CHANNEL_OF_KIND: Record<string, 'whatsapp' | 'any'> = { whatsapp_cloud: 'whatsapp', whatsapp_web: 'whatsapp' };

/**
 * Words of a search as a tsquery (the leadmaster_text config folds accents, no stemming: any
 * language); null if none. The last word is a prefix (the one being typed), the others whole words:
 * a prefix makes the index gather every word that starts with it over all tenants before it can
 * narrow down, so "pedido:* & 4000123:*" took 650 ms at 10 million messages, "pedido & 4000123:*" 2 ms.
 */
export function textQuery(search: string): string | null {
  const words = search.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 8) ?? [];
  return words.length ? words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ') : null;
}

/**
 * The inbox on top of conversations: the list with search and per-user unread, read markers,
 * taking a conversation, internal notes, manual opt-out and the composer's rules.
 */
export function createInboxService(deps: ModuleDeps & { realtime: Realtime; conversations: ConversationsService }) {
  const { database, realtime, clock } = deps;

  /** The search as SQL, and its words as a tsquery (null when it has none: a phone number's digits only). */
  async function searchOf(tx: Tx, tenantId: string, search: string) {
    const phoneKey = phoneSearchKey(search, (await getTenant(tx, tenantId)).country);
    const text = textQuery(search);
    const condition = (messagesVia: 'index' | 'thread') =>
      conversationSearch({ tenantId, phoneKey, digits: search.replace(/\D/g, ''), words: normalizeSearch(search).split(' ').filter(Boolean), textQuery: text, messagesVia });
    return { text, condition };
  }

  /**
   * The list's page without a search (or a label), as one query prepared per combination of
   * filters, built once: building it (Drizzle's query objects to SQL text) took ~10% of the list
   * request's CPU. Same SQL as `page()` builds, with placeholders for the values.
   */
  const listPages = new Map<string, ReturnType<typeof buildListPage>>();
  function buildListPage(shape: { status: boolean; channelId: boolean; contactId: boolean; assignee: 'me' | 'unassigned' | 'user' | null; after: boolean }) {
    const p = sql.placeholder;
    const filters = and(
      shape.status ? eq(conversations.status, p('status')) : undefined,
      shape.channelId ? eq(conversations.channelId, p('channelId')) : undefined,
      shape.contactId ? eq(conversations.contactId, p('contactId')) : undefined,
      shape.assignee === 'me' ? eq(conversations.assigneeId, p('userId')) : shape.assignee === 'unassigned' ? isNull(conversations.assigneeId) : shape.assignee === 'user' ? eq(conversations.assigneeId, p('assignee')) : undefined,
      shape.after ? sql`(${conversations.pinned}, ${conversationActivity}, ${conversations.id}) < (${p('afterPinned')}::boolean, ${p('afterActivity')}::timestamptz, ${p('afterId')}::uuid)` : undefined,
    );
    return selectConversations(database.db as unknown as Tx, p('tenantId'), filters, p('userId'))
      .orderBy(desc(conversations.pinned), desc(conversationActivity), desc(conversations.id))
      .limit(p('limit'))
      .prepare('inbox_list_page');
  }
  function listPage(options: { q: z.output<typeof ConversationListQuery>; after: ListCursor | undefined }) {
    const { q } = options;
    const shape = { status: !!q.status, channelId: !!q.channelId, contactId: !!q.contactId, assignee: !q.assignee ? null : q.assignee === 'me' ? ('me' as const) : q.assignee === 'unassigned' ? ('unassigned' as const) : ('user' as const), after: !!options.after };
    const key = JSON.stringify(shape);
    let prepared = listPages.get(key);
    if (!prepared) listPages.set(key, (prepared = buildListPage(shape)));
    return prepared;
  }
  const keysetValues = (after: ListCursor | undefined) => (after ? { afterPinned: after[0], afterActivity: after[1], afterId: after[2] } : {});

  /** One page of the list in the caller's transaction (the benchmark explains these statements). */
  async function listIn(tx: Tx, options: { principal: Pick<Principal, 'tenantId' | 'userId'>; query: z.output<typeof ConversationListQuery>; after?: ListCursor }) {
    const { tenantId, userId } = options.principal;
    const q = options.query;
    const filters = and(
      q.status ? eq(conversations.status, q.status) : undefined,
      q.channelId ? eq(conversations.channelId, q.channelId) : undefined,
      q.contactId ? eq(conversations.contactId, q.contactId) : undefined,
      q.labelId ? arrayContains(conversations.labelIds, [q.labelId]) : undefined,
      q.assignee === 'me' ? eq(conversations.assigneeId, userId) : q.assignee === 'unassigned' ? isNull(conversations.assigneeId) : q.assignee ? eq(conversations.assigneeId, q.assignee) : undefined,
    );
    const after = options.after ? keysetFrom(options.after, '<') : undefined;
    const page = (where: SQL | undefined, limit: number) =>
      selectConversations(tx, tenantId, and(filters, where), userId).orderBy(desc(conversations.pinned), desc(conversationActivity), desc(conversations.id)).limit(limit);

    let rows: Awaited<ReturnType<typeof page>>;
    const search = q.search ? await searchOf(tx, tenantId, q.search) : null;
    if (!search && !q.labelId) rows = await runPrepared(tx, listPage({ q, after: options.after }), { tenantId, userId, status: q.status, channelId: q.channelId, contactId: q.contactId, assignee: q.assignee, limit: q.limit + 1, ...keysetValues(options.after) });
    else if (!search) rows = await page(after, q.limit + 1);
    else if (!search.text) rows = await page(and(after, search.condition('index')), q.limit + 1);
    else {
      // Message words: first the newest conversations of the list, each checked on its own messages;
      // a common word fills the page there (a word in 7% of 10 million messages: 176 ms through the
      // full-text index, which gathers all 14,000 of the tenant's matches before the list can
      // start). What the walk did not fill asks the index, for the conversations past it (decision 0036).
      // The walked conversations are read first (a keyset walk of the list's index) and checked by id:
      // given the walk as a keyset range instead, the planner could not tell how few rows it holds
      // (a row comparison's estimate: 13,000 of 17,000 for 51) and checked every message of the
      // tenant once, hashed, instead of the walked conversations' own (350 ms instead of 2).
      const walk = async (from: SQL | undefined, count: number): Promise<{ ids: string[]; edge: ListCursor | null }> => {
        const walked = await tx
          .select({ pinned: conversations.pinned, activity: sql<string>`${conversationActivity}::text`, id: conversations.id })
          .from(conversations)
          .where(and(eq(conversations.tenantId, tenantId), filters, from))
          .orderBy(desc(conversations.pinned), desc(conversationActivity), desc(conversations.id))
          .limit(count);
        const last = walked.length === count ? walked.at(-1)! : null;
        return { ids: walked.map((r) => r.id), edge: last ? [last.pinned, last.activity, last.id] : null };
      };
      const walkedPage = (ids: string[], limit: number) => (ids.length ? page(and(equalsAny(conversations.id, ids), search.condition('thread')), limit) : Promise.resolve([]));
      const wanted = q.limit + 1;
      const probe = await walk(after, PROBED_PER_ROW * wanted);
      rows = await walkedPage(probe.ids, wanted);
      let edge = probe.edge;
      if (rows.length < wanted && probe.edge && rows.length * COMMON_MATCH_RATE >= PROBED_PER_ROW * wanted) {
        const further = await walk(keysetFrom(probe.edge, '<'), (WALKED_IF_COMMON - PROBED_PER_ROW) * wanted);
        rows.push(...(await walkedPage(further.ids, wanted - rows.length)));
        edge = further.edge;
      }
      if (rows.length < wanted && edge) rows.push(...(await page(and(keysetFrom(edge, '<'), search.condition('index')), wanted - rows.length)));
    }
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => presentConversation(r.c, r.contact, r.channelKind, r.readSeq)),
      next: rows.length > q.limit && last ? ([last.c.pinned, new Date(last.activity).toISOString(), last.c.id] as ListCursor) : null,
    };
  }

  const list = (options: { principal: Principal; query: z.output<typeof ConversationListQuery>; after?: ListCursor }) =>
    database.readTenant(options.principal.tenantId, (tx) => listIn(tx, options));

  /**
   * The sidebar total from two rows kept by triggers (decision 0025): what waits in the tenant minus
   * what this user has read of it. Exact in the same transaction as the change (the triggers run in it).
   */
  async function unreadTotal(tx: Tx, tenantId: string, userId: string): Promise<z.output<typeof UnreadTotal>> {
    const [row] = await tx.execute<{ messages: string | number; conversations: string | number }>(sql`
      select coalesce(t.waiting_messages, 0) - coalesce(u.read_messages, 0) as messages,
             coalesce(t.waiting_conversations, 0) - coalesce(u.read_conversations, 0) as conversations
      from (select 1) as one
      left join ${inboxUnreadTenants} t on t.tenant_id = ${tenantId}
      left join ${inboxUnreadUsers} u on u.tenant_id = ${tenantId} and u.user_id = ${userId}`);
    return { messages: Number(row?.messages ?? 0), conversations: Number(row?.conversations ?? 0) };
  }

  const getUnreadTotal = (principal: Principal) => database.readTenant(principal.tenantId, (tx) => unreadTotal(tx, principal.tenantId, principal.userId));

  /**
   * Moves the user's read marker forward to what they saw (never back: two tabs reading at once
   * keep the later mark, and a message that arrived since stays unread).
   */
  async function markRead(options: { principal: Principal; conversationId: string; upToSeq?: number | undefined }) {
    const { tenantId, userId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const [conversation] = await tx
        .select({ id: conversations.id, inboundSeq: conversations.inboundSeq, answeredSeq: conversations.answeredSeq })
        .from(conversations)
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!conversation) throw conversationNotFound();
      const seq = Math.min(options.upToSeq ?? conversation.inboundSeq, conversation.inboundSeq);
      const [read] = await tx
        .insert(conversationReads)
        .values({ tenantId, userId, conversationId: conversation.id, readSeq: seq })
        .onConflictDoUpdate({
          target: [conversationReads.tenantId, conversationReads.userId, conversationReads.conversationId],
          set: { readSeq: sql`greatest(${conversationReads.readSeq}, excluded.read_seq)`, readAt: sql`now()` },
        })
        .returning({ readSeq: conversationReads.readSeq });
      const total = await unreadTotal(tx, tenantId, userId);
      realtime.publishToUserAfterCommit(tx, { tenantId, userId, type: 'unread.updated', data: { conversationId: conversation.id, unreadCount: unreadOf(conversation, read!.readSeq), readSeq: read!.readSeq, total } });
      return deps.conversations.loadPresented(tx, tenantId, conversation.id, userId);
    });
  }

  /** Takes a conversation: free ones (or one's own) with inbox.reply; another's needs inbox.assign. */
  async function take(options: { principal: Principal; conversationId: string }) {
    const { principal } = options;
    const { tenantId, userId } = principal;
    return database.withTenant(tenantId, async (tx) => {
      const [current] = await tx.select({ assigneeId: conversations.assigneeId }).from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!current) throw conversationNotFound();
      if (current.assigneeId && current.assigneeId !== userId && !principal.permissions.has('inbox.assign')) {
        throw new AppError('forbidden', 'Someone else has this conversation: taking it over needs the inbox.assign permission');
      }
      await tx.update(conversations).set({ assigneeId: userId }).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'conversation.assigned', target: { type: 'conversation', id: options.conversationId }, details: { assigneeId: userId, taken: true } });
      realtime.conversationChanged(tx, tenantId, options.conversationId);
      return deps.conversations.loadPresented(tx, tenantId, options.conversationId, userId);
    });
  }

  /** A note for the team: in the thread, never sent (no outbound job, no channel). */
  async function addNote(options: { principal: Principal; conversationId: string; body: string }) {
    const { tenantId, userId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const [conversation] = await tx.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!conversation) throw conversationNotFound();
      const [row] = await tx
        .insert(messages)
        .values({ tenantId, conversationId: conversation.id, contactId: conversation.contactId, channelId: conversation.channelId, direction: 'note', type: 'note', body: options.body, status: 'note', source: 'inbox', createdBy: userId, createdAt: clock.now() })
        .returning();
      realtime.publishAfterCommit(tx, tenantId, 'message.created', presentMessage(row!));
      return presentMessage(row!);
    });
  }

  /** A person marks the contact as opted out from the conversation (a call, a message elsewhere…). */
  async function optOut(options: { principal: Principal; conversationId: string; reason?: string | undefined }) {
    const { principal } = options;
    const { tenantId, userId } = principal;
    return database.withTenant(tenantId, async (tx) => {
      const [conversation] = await tx.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!conversation) throw conversationNotFound();
      const contact = await contactAddress(tx, tenantId, conversation.contactId);
      const kind = (await channelKindOf(tx, tenantId, conversation.channelId)) ?? 'removed';
      const text = options.reason?.trim() || 'Marked as opted out by hand from the inbox';
      await recordOptOut(tx, { tenantId, contactId: conversation.contactId, channel: CONSENT_CHANNEL_OF_KIND[kind] ?? 'any', country: (await getTenant(tx, tenantId)).country, phone: contact?.phoneE164 ?? null, text, source: `inbox:${userId}` });
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'contact.opted_out', target: { type: 'contact', id: conversation.contactId }, details: { conversationId: conversation.id, reason: text } });
      realtime.conversationChanged(tx, tenantId, conversation.id);
      return deps.conversations.loadPresented(tx, tenantId, conversation.id, userId);
    });
  }

  async function composer(options: { principal: Principal; conversationId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const [conversation] = await tx.select().from(conversations).where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, options.conversationId)));
      if (!conversation) throw conversationNotFound();
      return composerRules(tx, { tenantId, conversation, now: clock.now() });
    });
  }

  return { list, listIn, unreadTotal, getUnreadTotal, markRead, take, addNote, optOut, composer };
}

export type InboxService = ReturnType<typeof createInboxService>;
