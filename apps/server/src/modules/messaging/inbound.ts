import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { memoInTx } from '../../platform/db/tx-memo';
import { newId } from '../../platform/db/columns';
import type { ModuleDeps } from '../../platform/deps';
import { recordOptOut, tenantCountryInTx } from '../contacts';
import { errorAction, STATUS_RANK, type InboundItem, type InboundMessageItem, type InboundStatusItem } from '../channels';
import { conversations, messages, messagingSettings, pendingStatuses, type MessageStatus } from './messaging.tables';
import { resolveSenders } from './identity';
import { matchOptOut, DEFAULT_OPT_OUT_KEYWORDS } from './opt-out';
import { presentMessage, previewOf } from './messaging.present';
import type { Realtime } from './realtime';
import { equalsAny } from '../../platform/db/equals-any';
import { pushTo } from '../../platform/collections';

type MessageRow = typeof messages.$inferSelect;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Our own message id echoed by a provider (BlueBubbles' tempGuid); other clients' ids are ignored. */
const ourId = (clientRef: string | null | undefined) => (clientRef && UUID.test(clientRef) ? clientRef : null);
const CONSENT_CHANNEL = { whatsapp: 'whatsapp', imessage: 'imessage', sms: 'sms', sandbox: 'any' } as const;

export async function optOutKeywords(tx: Tx, tenantId: string): Promise<readonly string[]> {
  const [row] = await tx.select({ keywords: messagingSettings.optOutKeywords }).from(messagingSettings).where(eq(messagingSettings.tenantId, tenantId));
  return row?.keywords ?? DEFAULT_OPT_OUT_KEYWORDS;
}

/** The keywords while processing inbound items: read once per transaction (a drain's batch). */
const optOutKeywordsInTx = (tx: Tx, tenantId: string) => memoInTx(tx, `opt-out-keywords:${tenantId}`, () => optOutKeywords(tx, tenantId));

/** The conversation of a contact on a channel account, created on first contact. */
export async function conversationFor(tx: Tx, options: { tenantId: string; channelId: string; contactId: string }) {
  const find = () =>
    tx
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, options.tenantId), eq(conversations.channelId, options.channelId), eq(conversations.contactId, options.contactId)));
  // Usually it exists: read it without writing (an upsert would write a new row version each time).
  const [existing] = await find();
  if (existing) return existing;
  const [created] = await tx.insert(conversations).values(options).onConflictDoNothing().returning();
  return created ?? (await find())[0]!;
}

type StatusUpdate = { status: 'sent' | 'delivered' | 'read' | 'failed'; at: Date; error: { code: string; title: string; message: string | null } | null; service?: string | null };

/**
 * What a status changes on a message, without writing it: the columns to set, and whether the
 * message moves on (its rank rises). Later states win ("read" after "delivered", never the
 * reverse), timestamps fill in whatever order they come.
 */
export function statusChange(message: MessageRow, status: StatusUpdate): { set: Partial<typeof messages.$inferInsert>; advances: boolean; wasDelivered: boolean } {
  const current = message.status === 'ambiguous' || message.status === 'sending' || message.status === 'queued' ? -1 : (STATUS_RANK[message.status] ?? -1);
  const next = STATUS_RANK[status.status]!;
  const advances = next > current && message.status !== 'failed';
  const at = status.at;
  const set: Partial<typeof messages.$inferInsert> = {};
  if (status.status === 'sent' && !message.sentAt) set.sentAt = at;
  if (status.status === 'delivered' && !message.deliveredAt) set.deliveredAt = at;
  if (status.status === 'read' && !message.readAt) {
    set.readAt = at;
    if (!message.deliveredAt) set.deliveredAt = at;
  }
  if (advances) {
    set.status = status.status;
    set.statusAt = at;
    set.leaseUntil = null;
    if (status.service) set.service = status.service;
    if (status.status === 'failed') {
      set.failedAt = at;
      set.errorCode = status.error?.code ?? 'failed';
      set.errorMessage = status.error ? [status.error.title, status.error.message].filter(Boolean).join(': ') : null;
    }
  }
  return { set, advances, wasDelivered: current >= STATUS_RANK.delivered! };
}

/** The events of a status that moved a message on (`row` is the message after it). */
async function announceStatus(tx: Tx, deps: Pick<ModuleDeps, 'events'>, row: MessageRow, status: StatusUpdate['status'], wasDelivered: boolean) {
  const { tenantId, contactId, channelId } = row;
  if ((status === 'delivered' || status === 'read') && !wasDelivered) await deps.events.emit(tx, 'messages.delivered', { tenantId, contactId, channel: row.service ?? 'unknown' });
  if (status === 'failed') await reportFailure(tx, deps, row);
  await deps.events.emit(tx, 'messages.status-changed', { tenantId, messageId: row.id, contactId, channelId, status, code: row.errorCode, source: row.source });
}

/**
 * Applies a status to a message LeadMaster sent (see `statusChange`). Returns the updated row when
 * the status moved on.
 */
export async function applyStatus(tx: Tx, deps: Pick<ModuleDeps, 'events'>, message: MessageRow, status: StatusUpdate): Promise<MessageRow | null> {
  const { set, advances, wasDelivered } = statusChange(message, status);
  if (Object.keys(set).length === 0) return null;
  const [row] = await tx
    .update(messages)
    .set(set)
    .where(and(eq(messages.tenantId, message.tenantId), eq(messages.id, message.id)))
    .returning();
  if (!advances) return null;
  await announceStatus(tx, deps, row!, status.status, wasDelivered);
  return row!;
}

/**
 * A failed message tells the scoring module (failures lower contactability), and WhatsApp's
 * "undeliverable" (131026) says the number is not on WhatsApp at all.
 */
export async function reportFailure(tx: Tx, deps: Pick<ModuleDeps, 'events'>, row: MessageRow) {
  const { tenantId, contactId } = row;
  const code = row.errorCode ?? 'failed';
  // Failures about pace or policy (throughput, Meta's per-user marketing limit, spam pause, the
  // 24-hour window) say nothing about whether the person can be reached: they do not count.
  const action = row.service === 'whatsapp' ? errorAction(code).action : 'fail';
  if (action === 'fail' || action === 'not_on_whatsapp') {
    await deps.events.emit(tx, 'messages.delivery-failed', { tenantId, contactId, channel: row.service ?? 'unknown', code });
  }
  if (action === 'not_on_whatsapp') {
    await deps.events.emit(tx, 'contacts.number-checked', { tenantId, contactId, channel: 'whatsapp', reachable: false, source: `error ${code}` });
  }
}

/** Statuses that arrived before the message knew its provider id, applied now that it does. */
export async function applyPendingStatuses(tx: Tx, deps: Pick<ModuleDeps, 'events'>, message: MessageRow): Promise<MessageRow> {
  if (!message.providerMessageId) return message;
  const pending = await tx
    .delete(pendingStatuses)
    .where(and(eq(pendingStatuses.tenantId, message.tenantId), eq(pendingStatuses.channelId, message.channelId), eq(pendingStatuses.providerMessageId, message.providerMessageId)))
    .returning();
  let current = message;
  for (const p of pending.sort((a, b) => STATUS_RANK[a.status]! - STATUS_RANK[b.status]!)) {
    current = (await applyStatus(tx, deps, current, { status: p.status, at: p.at, error: p.error ?? null })) ?? current;
  }
  return current;
}

/** One stored webhook's items, as the channels module emits them (`channels.inbound-batch`). */
type InboundEvent = { eventId: string; channelId: string; kind: string; items: unknown[] };
type At<T> = { channelId: string; item: T; seq: number };

const uniq = <T>(xs: T[]) => [...new Set(xs)];
/** A lone surrogate as U+FFFD (what a text parameter stores; jsonb refuses it). */
const wellFormed = (text: string) => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * The stored messages with these (channel, provider message id) pairs. One probe of the unique
 * index per pair (a lateral sub-select with `limit 1` is never turned into a scan of the tenant's
 * messages, whatever the planner believes of the table: a young table's statistics say it is tiny).
 */
async function storedByProviderId(tx: Tx, tenantId: string, pairs: (readonly [string, string])[]) {
  const unique = [...new Map(pairs.map((p) => [pairKey(p[0], p[1]), p])).values()];
  if (!unique.length) return [];
  return tx.execute<{ id: string; channel_id: string; provider_message_id: string }>(sql`
    select m.id, v.channel_id, v.provider_message_id
      from unnest(${sql.param(unique.map((p) => p[0]))}::uuid[], ${sql.param(unique.map((p) => p[1]))}::text[]) as v(channel_id, provider_message_id)
      cross join lateral (
        select ${messages.id} from ${messages}
         where ${messages.tenantId} = ${tenantId} and ${messages.channelId} = v.channel_id and ${messages.providerMessageId} = v.provider_message_id
         limit 1) as m`);
}

/** What a batch's messages make of a conversation: its newest message (the later one on a tie), the inbound count. */
type Touch = { at: Date; preview: string; direction: string; inbound: number; lastInboundAt: Date | null };
function touches(rows: MessageRow[], keyOf: (row: MessageRow, i: number) => string): Map<string, Touch> {
  const touched = new Map<string, Touch>();
  rows.forEach((row, i) => {
    const key = keyOf(row, i);
    const t = touched.get(key) ?? { at: row.createdAt, preview: previewOf(row), direction: row.direction, inbound: 0, lastInboundAt: null };
    if (row.createdAt >= t.at) Object.assign(t, { at: row.createdAt, preview: previewOf(row), direction: row.direction });
    if (row.direction === 'inbound') {
      t.inbound++;
      if (!t.lastInboundAt || row.createdAt > t.lastInboundAt) t.lastInboundAt = row.createdAt;
    }
    touched.set(key, t);
  });
  return touched;
}
const sameTouch = (a: Touch, b: Touch) =>
  a.at.getTime() === b.at.getTime() && a.preview === b.preview && a.direction === b.direction && a.inbound === b.inbound && a.lastInboundAt?.getTime() === b.lastInboundAt?.getTime();

/**
 * Turns the items of a batch of processed webhooks (a drain's batch, in the processing
 * transaction) into contacts, conversations and messages, set-based: a handful of statements for
 * the whole batch instead of a dozen per message. The outcome is the one of processing the items
 * one after the other: a duplicate (same provider message id on the channel, in the database or
 * earlier in the batch) changes nothing; statuses apply in arrival order (read wins over a late
 * delivered); a status whose message is not there yet is kept for later.
 */
export function createInboundHandler(deps: ModuleDeps & { realtime: Realtime; fetchMediaLater(tx: Tx, message: MessageRow): Promise<void> }) {
  const { events, logger, realtime } = deps;

  async function onMessages(tx: Tx, tenantId: string, items: At<InboundMessageItem>[], statuses: At<InboundStatusItem>[]) {
    // The echo of a message we sent (BlueBubbles reports our own sends): it is a status.
    const refs = uniq(items.flatMap((m) => (m.item.direction === 'outbound' && ourId(m.item.clientRef) ? [ourId(m.item.clientRef)!] : [])));
    const ours = refs.length
      ? new Set((await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.tenantId, tenantId), equalsAny(messages.id, refs)))).map((r) => r.id))
      : new Set<string>();
    const incoming: At<InboundMessageItem>[] = [];
    for (const m of items) {
      const ref = m.item.direction === 'outbound' ? ourId(m.item.clientRef) : null;
      if (ref && ours.has(ref)) {
        const { item } = m;
        statuses.push({ ...m, item: { kind: 'status', providerMessageId: item.providerMessageId, clientRef: ref, status: 'sent', service: item.service, recipient: null, at: item.at, error: null } });
      } else incoming.push(m);
    }
    if (!incoming.length) return;
    // Read with the first statement below (one round trip): what the batch needs later anyway.
    void tenantCountryInTx(tx, tenantId).catch(() => undefined);
    void optOutKeywordsInTx(tx, tenantId).catch(() => undefined);

    // Duplicates (already stored, or earlier in this batch) and the messages replied to, in one read.
    const replyOf = (item: InboundMessageItem) => item.replyTo ?? item.reaction?.providerMessageId ?? null;
    const stored = new Map(
      (await storedByProviderId(tx, tenantId, incoming.flatMap((m) => [[m.channelId, m.item.providerMessageId] as const, ...(replyOf(m.item) ? [[m.channelId, replyOf(m.item)!] as const] : [])]))).map((r) => [
        pairKey(r.channel_id, r.provider_message_id),
        r.id,
      ]),
    );
    const fresh: (At<InboundMessageItem> & { id: string })[] = [];
    for (const m of incoming) {
      const key = pairKey(m.channelId, m.item.providerMessageId);
      if (stored.has(key)) continue;
      const id = newId();
      stored.set(key, id);
      fresh.push({ ...m, id });
    }
    if (!fresh.length) return;

    const senders = await resolveSenders(tx, events, { tenantId, senders: fresh.map((m) => ({ sender: m.item.from, source: `channel:${m.item.service}` })) });
    const pairOf = (i: number) => pairKey(fresh[i]!.channelId, senders[i]!.contactId);

    const values: MessageRow[] = fresh.map((m, i) => {
      const { item } = m;
      const inbound = item.direction === 'inbound';
      const body =
        item.type === 'reaction'
          ? (item.reaction?.emoji ?? '')
          : item.type === 'location' && item.location
            ? [item.location.name, item.location.address, `${item.location.latitude},${item.location.longitude}`].filter(Boolean).join(' · ')
            : (item.text ?? '');
      const media = item.media ? [{ blobId: null, providerMediaId: item.media.providerMediaId, mimeType: item.media.mimeType, fileName: item.media.fileName, caption: item.media.caption, voice: item.media.voice }] : [];
      const replyTo = replyOf(item);
      // The whole row as stored (the columns not written here take their defaults).
      return {
        tenantId,
        id: m.id,
        conversationId: '', // Known once the conversations are found or created below.
        contactId: senders[i]!.contactId,
        channelId: m.channelId,
        direction: item.direction,
        service: item.service,
        type: item.type,
        body,
        media,
        template: null,
        status: inbound ? 'received' : 'sent',
        providerMessageId: item.providerMessageId,
        replyToId: replyTo ? (stored.get(pairKey(m.channelId, replyTo)) ?? null) : null,
        source: inbound ? 'contact' : 'channel',
        createdBy: null,
        errorCode: null,
        errorMessage: null,
        attempts: 0,
        leaseUntil: null,
        nextAttemptAt: null,
        createdAt: item.at,
        sentAt: inbound ? null : item.at,
        deliveredAt: null,
        readAt: null,
        failedAt: null,
        statusAt: null,
      };
    });
    // A conversation created here is written with what its messages make of it (as the update below
    // would), instead of inserted blank and updated: one row version and one set of index entries fewer.
    const { ids: conversationIds, created: createdConversations } = await conversationsFor(tx, tenantId, touches(values, (_r, i) => pairOf(i)));
    values.forEach((r, i) => (r.conversationId = conversationIds.get(pairOf(i))!));
    // One array per column: the statement's text is the same for every batch (prepared once).
    // A concurrent transaction may have stored one meanwhile: that one is not written again.
    const mcol = <T>(f: (r: MessageRow) => T) => sql.param(values.map(f));
    const inserted = await tx.execute<{ id: string }>(sql`
      insert into ${messages} (tenant_id, id, conversation_id, contact_id, channel_id, direction, service, type, body, media, status,
                               provider_message_id, reply_to_id, source, created_at, sent_at)
      select ${tenantId}, v.id, v.conversation_id, v.contact_id, v.channel_id, v.direction, v.service, v.type, v.body, v.media, v.status,
             v.provider_message_id, v.reply_to_id, v.source, v.created_at, v.sent_at
        from unnest(${mcol((r) => r.id)}::uuid[], ${mcol((r) => r.conversationId)}::uuid[], ${mcol((r) => r.contactId)}::uuid[], ${mcol((r) => r.channelId)}::uuid[],
                    ${mcol((r) => r.direction)}::text[], ${mcol((r) => r.service)}::text[], ${mcol((r) => r.type)}::text[], ${mcol((r) => r.body)}::text[],
                    ${mcol((r) => JSON.stringify(r.media))}::jsonb[], ${mcol((r) => r.status)}::text[], ${mcol((r) => r.providerMessageId)}::text[],
                    ${mcol((r) => r.replyToId)}::uuid[], ${mcol((r) => r.source)}::text[], ${mcol((r) => r.createdAt.toISOString())}::text[]::timestamptz[],
                    ${mcol((r) => r.sentAt?.toISOString() ?? null)}::text[]::timestamptz[])
          as v(id, conversation_id, contact_id, channel_id, direction, service, type, body, media, status, provider_message_id, reply_to_id, source, created_at, sent_at)
      on conflict do nothing
      returning id`);
    const written = new Set(inserted.map((r) => r.id));
    const created = fresh.flatMap((m, i) => (written.has(m.id) ? [{ ...m, row: values[i]!, sender: senders[i]! }] : []));

    const touched = touches(created.map((c) => c.row), (row) => row.conversationId);
    // A conversation created above already holds its messages' summary, unless one of them was not
    // written (stored meanwhile by a concurrent transaction, whose conversation it then was not: rare).
    // Nobody else sees that row before the commit, so its summary is set outright from what was written.
    const toUpdate = new Map([...touched].filter(([id]) => !createdConversations.has(id)));
    for (const [id, expected] of createdConversations) {
      const t = touched.get(id);
      if (t && sameTouch(t, expected)) continue;
      await tx
        .update(conversations)
        .set({ lastMessageAt: t?.at ?? null, lastMessagePreview: t?.preview ?? null, lastMessageDirection: (t?.direction ?? null) as MessageRow['direction'] | null, inboundSeq: t?.inbound ?? 0, lastInboundAt: t?.lastInboundAt ?? null })
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)));
    }
    // Sent now, awaited below: the statements that follow go out behind it (pipelined), not after its answer.
    // (A Drizzle query runs each time it is awaited: it is awaited once, inside this promise.)
    // The rows are found by primary key (`id = any`) and each reads its new values from one JSON
    // object keyed by id: no join between the rows and a list of values, which the planner, trusting
    // a young table's statistics, ran as a loop over the whole list for every row (1 s for 500).
    // (jsonb refuses a lone surrogate that a text parameter would have stored as U+FFFD: made well-formed first.)
    const conversationsUpdated = toUpdate.size
      ? (async () => void (await tx.execute(sql`
        update ${conversations} as c set
          (last_message_at, last_message_preview, last_message_direction, inbound_seq, last_inbound_at, status, updated_at) = (
            select greatest(c.last_message_at, v.at),
                   case when c.last_message_at is null or c.last_message_at <= v.at then v.preview else c.last_message_preview end,
                   case when c.last_message_at is null or c.last_message_at <= v.at then v.direction else c.last_message_direction end,
                   c.inbound_seq + v.inbound,
                   case when v.inbound > 0 then greatest(c.last_inbound_at, v.last_inbound_at) else c.last_inbound_at end,
                   -- A contact who writes again reopens the conversation.
                   case when v.inbound > 0 then 'active' else c.status end,
                   now()
              from jsonb_to_record(j.doc -> c.id::text) as v(at timestamptz, preview text, direction text, inbound int, last_inbound_at timestamptz))
          from (select ${JSON.stringify(Object.fromEntries([...toUpdate].map(([id, t]) => [id, { at: t.at, preview: wellFormed(t.preview), direction: t.direction, inbound: t.inbound, last_inbound_at: t.lastInboundAt }])))}::jsonb as doc) as j
         where c.tenant_id = ${tenantId} and c.id = any(${sql.param([...toUpdate.keys()])}::uuid[])`)))()
      : Promise.resolve();
    conversationsUpdated.catch(() => undefined);

    for (const { row } of created) if (row.media.length) await deps.fetchMediaLater(tx, row);
    const replies = created.filter((c) => c.row.direction === 'inbound');
    if (replies.length) {
      await events.emit(tx, 'messages.replies-received', {
        tenantId,
        replies: replies.map(({ row, item }) => ({ contactId: row.contactId, channel: item.service, at: item.at, channelId: row.channelId, messageId: row.id, inReplyTo: row.replyToId })),
      });
      const keywords = await optOutKeywordsInTx(tx, tenantId);
      for (const { row, item, sender } of replies) {
        const keyword = matchOptOut(item.text, keywords);
        if (!keyword) continue;
        await recordOptOut(tx, {
          tenantId,
          contactId: row.contactId,
          channel: CONSENT_CHANNEL[item.service],
          country: sender.country || 'US',
          phone: sender.phoneE164,
          text: item.text ?? keyword,
          source: `inbound:${row.channelId}`,
          at: item.at,
        });
        logger.info({ tenantId, contactId: row.contactId, keyword }, 'opt-out received');
      }
    }
    await conversationsUpdated;
    for (const { row } of created) realtime.publishAfterCommit(tx, tenantId, 'message.created', presentMessage(row));
    // Their state as this batch leaves them (the batch changes them no more, and an opt-out above
    // has marked its contact), read in the transaction and published after the commit without
    // another transaction to load them. Not awaited: the batch's next statements go out behind it.
    void realtime.conversationsChangedReadInTx(tx, tenantId, [...touched.keys()]);
  }

  /**
   * The conversation of each (channel, contact) pair (the keys of `summaries`), created on first
   * contact with the pair's summary: one read, one insert for the new ones. Returns the ids by pair,
   * and the summary each conversation created here was written with.
   */
  async function conversationsFor(tx: Tx, tenantId: string, summaries: Map<string, Touch>) {
    const pairs = [...summaries.keys()].map((k) => k.split('\u0000') as [string, string]);
    const out = new Map<string, string>();
    const createdHere = new Map<string, Touch>();
    // One probe of the unique (channel, contact) index per pair (see `storedByProviderId`).
    const read = async (wanted: [string, string][]) => {
      const rows = await tx.execute<{ id: string; channel_id: string; contact_id: string }>(sql`
        select c.id, v.channel_id, v.contact_id
          from unnest(${sql.param(wanted.map((p) => p[0]))}::uuid[], ${sql.param(wanted.map((p) => p[1]))}::uuid[]) as v(channel_id, contact_id)
          cross join lateral (
            select ${conversations.id} from ${conversations}
             where ${conversations.tenantId} = ${tenantId} and ${conversations.channelId} = v.channel_id and ${conversations.contactId} = v.contact_id
             limit 1) as c`);
      for (const r of rows) out.set(pairKey(r.channel_id, r.contact_id), r.id);
    };
    await read(pairs);
    const missing = pairs.filter(([ch, co]) => !out.has(pairKey(ch, co)));
    if (missing.length) {
      const t = missing.map(([ch, co]) => summaries.get(pairKey(ch, co))!);
      const created = await tx.execute<{ id: string; channel_id: string; contact_id: string }>(sql`
        insert into ${conversations} (tenant_id, id, channel_id, contact_id, last_message_at, last_message_preview, last_message_direction, inbound_seq, last_inbound_at)
        select ${tenantId}, v.id, v.channel_id, v.contact_id, v.at, v.preview, v.direction, v.inbound, v.last_inbound_at
          from unnest(${sql.param(missing.map(() => newId()))}::uuid[], ${sql.param(missing.map((p) => p[0]))}::uuid[], ${sql.param(missing.map((p) => p[1]))}::uuid[],
                      ${sql.param(t.map((x) => x.at.toISOString()))}::text[]::timestamptz[], ${sql.param(t.map((x) => x.preview))}::text[], ${sql.param(t.map((x) => x.direction))}::text[],
                      ${sql.param(t.map((x) => x.inbound))}::int[], ${sql.param(t.map((x) => x.lastInboundAt?.toISOString() ?? null))}::text[]::timestamptz[])
            as v(id, channel_id, contact_id, at, preview, direction, inbound, last_inbound_at)
        on conflict do nothing
        returning id, channel_id, contact_id`);
      for (const r of created) {
        const key = pairKey(r.channel_id, r.contact_id);
        out.set(key, r.id);
        createdHere.set(r.id, summaries.get(key)!);
      }
      // Created by a concurrent transaction meanwhile.
      const lost = missing.filter(([ch, co]) => !out.has(pairKey(ch, co)));
      if (lost.length) await read(lost);
    }
    return { ids: out, created: createdHere };
  }

  async function onStatuses(tx: Tx, tenantId: string, statuses: At<InboundStatusItem>[]) {
    if (!statuses.length) return;
    statuses.sort((a, b) => a.seq - b.seq);
    const refs = uniq(statuses.flatMap((s) => (ourId(s.item.clientRef) ? [ourId(s.item.clientRef)!] : [])));
    const byKey = await storedByProviderId(
      tx,
      tenantId,
      statuses.map((s) => [s.channelId, s.item.providerMessageId] as const),
    );
    const ids = uniq([...byKey.map((r) => r.id), ...refs]);
    // Locked in id order (two drains never wait on each other in a cycle); by primary key.
    const found = ids.length
      ? await tx
          .select()
          .from(messages)
          .where(and(eq(messages.tenantId, tenantId), equalsAny(messages.id, ids)))
          .orderBy(messages.id)
          .for('update')
      : [];
    const byProvider = new Map(found.filter((m) => m.providerMessageId).map((m) => [pairKey(m.channelId, m.providerMessageId!), m]));
    const byId = new Map(found.map((m) => [m.id, m]));

    const keep: At<InboundStatusItem>[] = [];
    const slow = new Map<string, At<InboundStatusItem>[]>();
    const fast = new Map<string, At<InboundStatusItem>[]>();
    for (const s of statuses) {
      const ref = ourId(s.item.clientRef);
      const message = byProvider.get(pairKey(s.channelId, s.item.providerMessageId)) ?? (ref ? byId.get(ref) : undefined);
      if (!message || message.channelId !== s.channelId) keep.push(s);
      // A send that does not know its provider id yet (ambiguous, in flight): one by one, rare.
      else if (!message.providerMessageId || slow.has(message.id)) pushTo(slow, message.id, s);
      else pushTo(fast, message.id, s);
    }

    if (keep.length) {
      // The webhook beat the commit of the send (or the message was sent outside LeadMaster): keep it.
      await tx
        .insert(pendingStatuses)
        .values(keep.map(({ channelId, item }) => ({ tenantId, channelId, providerMessageId: item.providerMessageId, status: item.status, at: item.at, error: item.error })))
        .onConflictDoNothing();
    }

    // Every status of a message applied in order in memory, then one statement for all of them.
    const changed: { before: MessageRow; after: MessageRow; moves: { status: StatusUpdate['status']; wasDelivered: boolean; row: MessageRow }[] }[] = [];
    for (const [id, list] of fast) {
      const before = byId.get(id)!;
      let after = before;
      const moves: (typeof changed)[number]['moves'] = [];
      for (const { item } of list) {
        const { set, advances, wasDelivered } = statusChange(after, item);
        if (Object.keys(set).length === 0) continue;
        after = { ...after, ...set } as MessageRow;
        if (advances) moves.push({ status: item.status, wasDelivered, row: after });
      }
      if (after !== before) changed.push({ before, after, moves });
    }
    if (changed.length) {
      // The new values keyed by message id, each row reading its own (as the conversations' update in onMessages).
      const doc = Object.fromEntries(changed.map(({ after: m }) => [m.id, { status: m.status, status_at: m.statusAt, sent_at: m.sentAt, delivered_at: m.deliveredAt, read_at: m.readAt, failed_at: m.failedAt, error_code: m.errorCode, error_message: m.errorMessage === null ? null : wellFormed(m.errorMessage), lease_until: m.leaseUntil, service: m.service }]));
      await tx.execute(sql`
        update ${messages} as m set (status, status_at, sent_at, delivered_at, read_at, failed_at, error_code, error_message, lease_until, service) = (
            select v.status, v.status_at, v.sent_at, v.delivered_at, v.read_at, v.failed_at, v.error_code, v.error_message, v.lease_until, v.service
              from jsonb_to_record(j.doc -> m.id::text)
                as v(status text, status_at timestamptz, sent_at timestamptz, delivered_at timestamptz, read_at timestamptz, failed_at timestamptz, error_code text, error_message text, lease_until timestamptz, service text))
          from (select ${JSON.stringify(doc)}::jsonb as doc) as j
         where m.tenant_id = ${tenantId} and m.id = any(${sql.param(changed.map((c) => c.after.id))}::uuid[])`);
      for (const { moves } of changed) for (const move of moves) await announceStatus(tx, deps, move.row, move.status, move.wasDelivered);
      for (const { after, moves } of changed) if (moves.length) publishStatus(tx, tenantId, after);
    }

    for (const [id, list] of slow) {
      let current = byId.get(id)!;
      for (const { item } of list) {
        const before = current;
        if (!current.providerMessageId) {
          // An ambiguous or in-flight send, recognised by our own id: it did reach the provider.
          [current] = (await tx
            .update(messages)
            .set({ providerMessageId: item.providerMessageId, ...(current.status === 'ambiguous' || current.status === 'sending' ? { status: 'sent' as MessageStatus, sentAt: item.at, leaseUntil: null } : {}) })
            .where(and(eq(messages.tenantId, tenantId), eq(messages.id, current.id)))
            .returning()) as [MessageRow];
          current = await applyPendingStatuses(tx, deps, current);
        }
        const updated = await applyStatus(tx, deps, current, item);
        if (updated) current = updated;
        if (updated || current !== before) publishStatus(tx, tenantId, current);
      }
    }
  }

  const publishStatus = (tx: Tx, tenantId: string, row: MessageRow) =>
    realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', {
      id: row.id,
      conversationId: row.conversationId,
      status: row.status,
      error: row.errorCode ? { code: row.errorCode, message: row.errorMessage } : null,
      deliveredAt: row.deliveredAt?.toISOString() ?? null,
      readAt: row.readAt?.toISOString() ?? null,
    });

  async function handle(tx: Tx, batch: { tenantId: string; events: InboundEvent[] }) {
    const { tenantId } = batch;
    const messageItems: At<InboundMessageItem>[] = [];
    const statusItems: At<InboundStatusItem>[] = [];
    let seq = 0;
    for (const event of batch.events) {
      for (const item of event.items as InboundItem[]) {
        seq++;
        switch (item.kind) {
          case 'message':
            messageItems.push({ channelId: event.channelId, item, seq });
            break;
          case 'status':
            statusItems.push({ channelId: event.channelId, item, seq });
            break;
          case 'typing':
            realtime.publishAfterCommit(tx, tenantId, 'typing', { channelId: event.channelId, from: item.from, on: item.on });
            break;
          case 'errors':
            logger.warn({ tenantId, channelId: event.channelId, errors: item.errors }, 'provider reported errors');
            break;
          default:
            break; // Account updates belong to the channels module.
        }
      }
    }
    // Messages first: a status finds a message stored by the same batch.
    await onMessages(tx, tenantId, messageItems, statusItems);
    await onStatuses(tx, tenantId, statusItems);
  }

  events.on('channels.inbound-batch', handle);
  return { handle };
}
