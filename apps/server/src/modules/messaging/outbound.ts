import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { newId } from '../../platform/db/columns';
import { z } from 'zod';
import type { Tx } from '../../platform/db/database';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';
import { AppError } from '../../platform/errors';
import { defineJob } from '../../platform/jobs/queue';
import { readBlob } from '../../platform/storage/blobs';
import { admitConversationStarts, ChannelSendError, messagingLimitOf, pacingRateOf, reserveSendSlots, type ChannelAdapter, type OutboundSend } from '../channels';
import { conversations, messages, pendingStatuses, type StoredMedia } from './messaging.tables';
import { applyPendingStatuses, conversationFor, reportFailure } from './inbound';
import { identitiesOf } from './identity';
import { channelKindOf, channelKindsOf, channelSendSettings, contactAddress, contactAddresses } from './messaging.repository';
import { presentMessage, previewOf } from './messaging.present';
import type { Realtime } from './realtime';
import { equalsAny } from '../../platform/db/equals-any';
import { pushTo } from '../../platform/collections';

type MessageRow = typeof messages.$inferSelect;
type OutboundMedia = Extract<OutboundSend['content'], { type: 'media' }>['media'];

/** A message's type from its media's content type, as inbound messages are typed: a PDF or a text file is a document. */
function mediaMessageType(mimeType: string | null | undefined): 'image' | 'video' | 'audio' | 'document' {
  const kind = mimeType?.split('/')[0];
  return kind === 'image' || kind === 'video' || kind === 'audio' ? kind : 'document';
}

/** The service a channel kind sends on; BlueBubbles decides per message (iMessage or SMS) and says so in its receipt. */
const SERVICE_OF_KIND: Record<string, string | null> = { whatsapp_cloud: 'whatsapp', whatsapp_web: 'whatsapp', sandbox: 'sandbox', bluebubbles: null };

/** How long a worker owns a message it is sending; past it, the outcome is unknown (ambiguous). */
const LEASE_SECONDS = 120;
const MAX_ATTEMPTS = 6;
/**
 * Messages a drain claims per round, and how many requests it keeps in flight (each at its
 * channel's reserved slot). A round reserves at most RESERVE_SECONDS of a channel's rate, so a
 * claimed message is sent well within its lease.
 */
const DRAIN_BATCH = 1000;
const DRAIN_CONCURRENCY = 32;
const RESERVE_SECONDS = 2;
/** A channel's share of a round is claimed and sent in slices of this many seconds of its rate. */
const SLICE_SECONDS = 0.1;
/** Accepted sends wait at most this long to be recorded together (see sendSlice). */
const SETTLE_EVERY_MS = 50;
/** Above this many messages per second a channel's sends are not held to a one-second window in the process. */
const MAX_WINDOW_RATE = 10_000;
/** A drain keeps at most this many files it read, each no larger than this (see fileOf). */
const KEPT_FILES = 4;
const KEPT_FILE_BYTES = 16 * 1024 * 1024;
/** A drain hands over to a fresh job after this long, so one tenant never holds a worker for ever. */
const DRAIN_BUDGET_MS = 20_000;
/** WhatsApp lets a business write free text only within 24 h of the contact's last message. */
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * A queued message held by its paused campaign is due at this time, never reached (decision 0052):
 * a real date rather than 'infinity', which a JavaScript Date cannot hold.
 */
const HELD_UNTIL = new Date('9999-01-01T00:00:00.000Z');
const CAMPAIGN_PAUSED = 'campaign_paused';
/** Held by a resumed campaign until its recipient's send window opens; judged again then (decision 0054). */
const CAMPAIGN_WINDOW = 'campaign_window';
const HOLD_CODES = { paused: CAMPAIGN_PAUSED, window: CAMPAIGN_WINDOW } as const;

/** A queued message a drain's round found due. */
type DueMessage = { id: string; channelId: string; contactId: string };
type Recipients = { addresses: Awaited<ReturnType<typeof contactAddresses>>; identities: Awaited<ReturnType<typeof identitiesOf>> };
const emptyRecipients = (): Recipients => ({ addresses: new Map(), identities: [] });

export type QueueMessage = {
  tenantId: string;
  contactId: string;
  channelId: string;
  body?: string;
  media?: StoredMedia[];
  template?: { name: string; language: string; parameters: string[]; headerParameters?: string[] } | null;
  source: string;
  createdBy?: string | null;
  replyToId?: string | null;
};

/** A person's message would start a conversation the number's WhatsApp messaging limit has no place for until `retryAt`. */
export const messagingLimitReached = (perDay: number, retryAt: Date) =>
  new AppError('conflict', `This WhatsApp number may start conversations with ${perDay} new people in 24 hours and has reached that limit: the next place frees at ${retryAt.toISOString()}`, {
    reason: 'whatsapp_messaging_limit',
    perDay,
    retryAt: retryAt.toISOString(),
  });

export const outsideWindow = () =>
  new AppError('conflict', 'More than 24 hours since the contact last wrote: WhatsApp only allows an approved template now', { reason: 'outside_whatsapp_window' });

/**
 * The one durable path out: a message is a row (queued) and a job in the caller's transaction,
 * then the job claims it with a lease, calls the adapter outside any transaction, and records the
 * outcome in one transaction that checks it still owns the lease. A crash between the provider's
 * answer and that commit leaves the message `sending` with an expired lease: the sweeper marks it
 * `ambiguous` and it is never resent blindly; a status webhook that names it settles it.
 */
export function createOutbound(deps: ModuleDeps & { realtime: Realtime; adapterFor(tenantId: string, channelId: string): Promise<ChannelAdapter> }) {
  const { database, jobs, events, logger, clock, realtime } = deps;

  async function queue(tx: Tx, message: QueueMessage): Promise<MessageRow> {
    const { tenantId } = message;
    const kind = await channelKindOf(tx, tenantId, message.channelId);
    if (!kind) throw new AppError('not_found', 'Channel not found');
    const conversation = await conversationFor(tx, { tenantId, channelId: message.channelId, contactId: message.contactId });
    const inWindow = clock.now().getTime() - (conversation.lastInboundAt?.getTime() ?? 0) <= WHATSAPP_WINDOW_MS;
    if (kind === 'whatsapp_cloud' && !message.template && !inWindow) throw outsideWindow();
    // A person writing from the inbox outside the window starts a conversation: they learn now
    // whether the number's messaging limit has a place for it (taken with the message), rather than
    // seeing it wait for up to a day. Inside the window nothing starts, and nothing is counted.
    if (kind === 'whatsapp_cloud' && !inWindow && message.source === 'inbox') await takeConversationPlace(tx, message);
    const media = message.media ?? [];
    const type = message.template ? 'template' : media.length ? mediaMessageType(media[0]!.mimeType) : 'text';
    const [row] = await tx
      .insert(messages)
      .values({
        tenantId,
        conversationId: conversation.id,
        contactId: message.contactId,
        channelId: message.channelId,
        direction: 'outbound',
        service: SERVICE_OF_KIND[kind] ?? null,
        type,
        body: message.body ?? '',
        media,
        template: message.template ?? null,
        status: 'queued',
        source: message.source,
        createdBy: message.createdBy ?? null,
        replyToId: message.replyToId ?? null,
        createdAt: clock.now(),
      })
      .returning();
    await tx
      .update(conversations)
      .set({ lastMessageAt: row!.createdAt, lastMessagePreview: previewOf(row!), lastMessageDirection: 'outbound' })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversation.id)));
    await scheduleDrain(tx, tenantId);
    realtime.publishAfterCommit(tx, tenantId, 'message.created', presentMessage(row!));
    realtime.conversationChanged(tx, tenantId, conversation.id);
    return row!;
  }

  /** A place in the number's messaging limit for a conversation a person starts, or a refusal that says when one frees. */
  async function takeConversationPlace(tx: Tx, message: QueueMessage) {
    const channel = await channelSendSettings(tx, message.tenantId, message.channelId);
    const perDay = channel ? messagingLimitOf(channel).perDay : null;
    if (perDay === null) return;
    const { admitted, retryAt } = await admitConversationStarts(tx, { tenantId: message.tenantId, channelId: message.channelId, perDay, contactIds: [message.contactId] });
    if (!admitted.has(message.contactId)) throw messagingLimitReached(perDay, retryAt!);
  }

  /**
   * Queues many messages in one go (a campaign's batch), in the caller's transaction: the
   * channels' kinds in one query, the conversations found or created in two, the messages written
   * in one insert and the conversations' last-message fields in one update, one drain scheduled.
   * Answers per message, in order, its id or why it cannot go (`outside_whatsapp_window`, or
   * `channel_not_found`); nothing is thrown for one message. `announce: false` leaves out the
   * per-message realtime events (a campaign announces its progress instead: decision 0019).
   */
  async function queueMany(tx: Tx, tenantId: string, list: QueueMessage[], options: { announce?: boolean } = {}): Promise<({ id: string } | { error: 'outside_whatsapp_window' | 'channel_not_found' })[]> {
    if (list.length === 0) return [];
    const now = clock.now();
    const byChannel = new Map<string, Set<string>>();
    for (const m of list) {
      const contacts = byChannel.get(m.channelId);
      if (contacts) contacts.add(m.contactId);
      else byChannel.set(m.channelId, new Set([m.contactId]));
    }
    // The channels' kinds and their existing conversations with these contacts, read together (one
    // round trip): one read per channel account (a batch has one or a few), on the (tenant, channel,
    // contact) key; a join with the pairs let the planner hash the tenant's whole conversations table.
    const [kinds, ...existing] = await Promise.all([
      channelKindsOf(tx, tenantId, [...byChannel.keys()]),
      ...[...byChannel].map(([channelId, contactIds]) =>
        tx.execute<{ id: string; channel_id: string; contact_id: string; last_inbound_at: string | null }>(sql`
          select c.id, c.channel_id, c.contact_id, c.last_inbound_at::text from ${conversations} c
           where c.tenant_id = ${tenantId} and c.channel_id = ${channelId}::uuid and c.contact_id = any(${sql.param([...contactIds])}::uuid[])`),
      ),
    ]);
    const found = new Map<string, { id: string; lastInboundAt: Date | null }>();
    for (const r of existing.flat()) found.set(`${r.channel_id}:${r.contact_id}`, { id: r.id, lastInboundAt: r.last_inbound_at ? new Date(r.last_inbound_at) : null });

    const results: ({ id: string } | { error: 'outside_whatsapp_window' | 'channel_not_found' })[] = [];
    const rows: (typeof messages.$inferInsert & { id: string; pair: string })[] = [];
    for (const m of list) {
      const kind = kinds.get(m.channelId);
      if (!kind) {
        results.push({ error: 'channel_not_found' });
        continue;
      }
      const pair = `${m.channelId}:${m.contactId}`;
      const lastInboundAt = found.get(pair)?.lastInboundAt ?? null;
      if (kind === 'whatsapp_cloud' && !m.template && now.getTime() - (lastInboundAt?.getTime() ?? 0) > WHATSAPP_WINDOW_MS) {
        results.push({ error: 'outside_whatsapp_window' });
        continue;
      }
      const media = m.media ?? [];
      const row = {
        tenantId,
        id: newId(),
        pair,
        conversationId: '',
        contactId: m.contactId,
        channelId: m.channelId,
        direction: 'outbound' as const,
        service: SERVICE_OF_KIND[kind] ?? null,
        type: m.template ? 'template' : media.length ? mediaMessageType(media[0]!.mimeType) : 'text',
        body: m.body ?? '',
        media,
        template: m.template ?? null,
        status: 'queued' as const,
        source: m.source,
        createdBy: m.createdBy ?? null,
        replyToId: m.replyToId ?? null,
        createdAt: now,
      };
      rows.push(row);
      results.push({ id: row.id });
    }
    if (rows.length === 0) return results;
    // Each conversation that gets a message, written once: a new one is created with its last
    // message already set (not inserted, then updated: each write of a conversation row touches its
    // eight indexes), an existing one gets its last-message fields. One statement for the batch;
    // one created meanwhile by another transaction is updated instead (the conflict), and its id used.
    const latest = new Map<string, { channelId: string; contactId: string; id: string; preview: string }>();
    for (const row of rows) latest.set(row.pair, { channelId: row.channelId, contactId: row.contactId, id: found.get(row.pair)?.id ?? newId(), preview: previewOf(row as unknown as MessageRow) });
    const touched = [...latest.values()];
    const upserted = await tx.execute<{ id: string; channel_id: string; contact_id: string }>(sql`
      insert into ${conversations} as c (tenant_id, id, channel_id, contact_id, last_message_at, last_message_preview, last_message_direction)
      select ${tenantId}, v.id, v.channel_id, v.contact_id, ${now.toISOString()}::timestamptz, v.preview, 'outbound'
        from unnest(${sql.param(touched.map((t) => t.id))}::uuid[], ${sql.param(touched.map((t) => t.channelId))}::uuid[], ${sql.param(touched.map((t) => t.contactId))}::uuid[], ${sql.param(touched.map((t) => t.preview))}::text[])
          as v(id, channel_id, contact_id, preview)
      on conflict (tenant_id, channel_id, contact_id) do update
         set last_message_at = excluded.last_message_at, last_message_preview = excluded.last_message_preview, last_message_direction = excluded.last_message_direction
      returning c.id, c.channel_id, c.contact_id`);
    const conversationOf = new Map(upserted.map((r) => [`${r.channel_id}:${r.contact_id}`, r.id]));
    for (const row of rows) row.conversationId = conversationOf.get(row.pair)!;
    const col = <T>(f: (r: (typeof rows)[number]) => T) => sql.param(rows.map(f));
    // The messages and the tenant's drain, sent together.
    const inserted = tx.execute(sql`
      insert into ${messages} (tenant_id, id, conversation_id, contact_id, channel_id, direction, service, type, body, media, template, status, source, created_by, reply_to_id, created_at)
      select ${tenantId}, v.id, v.conversation_id, v.contact_id, v.channel_id, 'outbound', v.service, v.type, v.body, v.media, v.template, 'queued', v.source, v.created_by, v.reply_to_id, ${now.toISOString()}::timestamptz
        from unnest(${col((r) => r.id)}::uuid[], ${col((r) => r.conversationId)}::uuid[], ${col((r) => r.contactId)}::uuid[], ${col((r) => r.channelId)}::uuid[],
                    ${col((r) => r.service)}::text[], ${col((r) => r.type)}::text[], ${col((r) => r.body)}::text[], ${col((r) => JSON.stringify(r.media))}::jsonb[],
                    ${col((r) => (r.template ? JSON.stringify(r.template) : null))}::jsonb[], ${col((r) => r.source)}::text[], ${col((r) => r.createdBy)}::uuid[], ${col((r) => r.replyToId)}::uuid[])
          as v(id, conversation_id, contact_id, channel_id, service, type, body, media, template, source, created_by, reply_to_id)`);
    await Promise.all([inserted, scheduleDrain(tx, tenantId)]);
    const changed = [...new Set(conversationOf.values())];
    if (options.announce !== false) {
      for (const { pair: _pair, ...row } of rows) realtime.publishAfterCommit(tx, tenantId, 'message.created', presentMessage({ ...row, providerMessageId: null, errorCode: null, errorMessage: null, attempts: 0, leaseUntil: null, nextAttemptAt: null, sentAt: null, deliveredAt: null, readAt: null, failedAt: null, statusAt: null } as MessageRow));
      for (const conversationId of changed) realtime.conversationChanged(tx, tenantId, conversationId);
    }
    return results;
  }

  /**
   * A paused campaign's messages that no drain has taken yet wait with it (decision 0052). `hold`
   * keeps them queued but never due (`next_attempt_at` = HELD_UNTIL, `error_code`
   * `campaign_paused`, or `campaign_window` for those a resume found outside their send window:
   * the engine judges them again when it opens, decision 0054); `release` makes them due again and schedules the drain; `withdraw` records them
   * not sent (failed, `campaign_cancelled`) without a delivery-failure event: nothing was attempted,
   * so scoring must not count it against the person. Each touches only messages still `queued`: one
   * a drain has claimed (`sending`) is on its way and goes. Answers the ids changed.
   */
  const heldByCampaign = inArray(messages.errorCode, [CAMPAIGN_PAUSED, CAMPAIGN_WINDOW]);

  async function hold(tx: Tx, tenantId: string, ids: string[], why: keyof typeof HOLD_CODES = 'paused'): Promise<string[]> {
    if (ids.length === 0) return [];
    const code = HOLD_CODES[why];
    const rows = await tx
      .update(messages)
      .set({ nextAttemptAt: HELD_UNTIL, errorCode: code, errorMessage: null })
      .where(and(eq(messages.tenantId, tenantId), equalsAny(messages.id, ids), eq(messages.status, 'queued')))
      .returning({ id: messages.id, conversationId: messages.conversationId });
    announceWaiting(tx, tenantId, rows, { code, message: null });
    return rows.map((r) => r.id);
  }

  async function release(tx: Tx, tenantId: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await tx
      .update(messages)
      .set({ nextAttemptAt: null, errorCode: null })
      .where(and(eq(messages.tenantId, tenantId), equalsAny(messages.id, ids), eq(messages.status, 'queued'), heldByCampaign))
      .returning({ id: messages.id, conversationId: messages.conversationId });
    announceWaiting(tx, tenantId, rows, null);
    if (rows.length > 0) await scheduleDrain(tx, tenantId);
    return rows.map((r) => r.id);
  }

  /** Open threads show a queued message's hold (or its end) without a reload. */
  function announceWaiting(tx: Tx, tenantId: string, rows: { id: string; conversationId: string }[], error: { code: string; message: string | null } | null) {
    for (const row of rows) realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', { id: row.id, conversationId: row.conversationId, status: 'queued', error, deliveredAt: null, readAt: null });
  }

  async function withdraw(tx: Tx, tenantId: string, ids: string[], reason: { code: string; message: string }): Promise<string[]> {
    if (ids.length === 0) return [];
    const now = clock.now();
    const rows = await tx
      .update(messages)
      .set({ status: 'failed', errorCode: reason.code, errorMessage: reason.message, failedAt: now, statusAt: now, nextAttemptAt: null, leaseUntil: null })
      .where(and(eq(messages.tenantId, tenantId), equalsAny(messages.id, ids), eq(messages.status, 'queued')))
      .returning();
    for (const row of rows) {
      realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', { id: row.id, conversationId: row.conversationId, status: row.status, error: { code: reason.code, message: reason.message }, deliveredAt: null, readAt: null });
    }
    for (const conversationId of new Set(rows.map((r) => r.conversationId))) realtime.conversationChanged(tx, tenantId, conversationId);
    return rows.map((r) => r.id);
  }

  /**
   * The messages waiting to go on these channel accounts (queued, due or held by a breaker or a
   * messaging limit, not by a paused campaign), counted up to `cap`: what a campaign run adds to.
   */
  async function backlog(tx: Tx, tenantId: string, channelIds: string[], cap: number): Promise<number> {
    if (channelIds.length === 0 || cap <= 0) return 0;
    const [row] = await tx.execute<{ n: number }>(sql`
      select count(*)::int as n from (
        select 1 from ${messages}
         where ${messages.tenantId} = ${tenantId} and ${messages.status} = 'queued' and ${messages.channelId} = any(${sql.param(channelIds)}::uuid[])
           and (${messages.nextAttemptAt} is null or ${messages.nextAttemptAt} < ${HELD_UNTIL.toISOString()}::timestamptz)
         limit ${cap}::int) q`);
    return Number(row?.n ?? 0);
  }

  /** The ids of the tenant's campaign messages not yet taken by a drain (queued; with `heldOnly`, only those a campaign holds). */
  async function queuedCampaignMessages(tx: Tx, tenantId: string, options: { heldOnly?: boolean } = {}): Promise<string[]> {
    const rows = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'), eq(messages.source, 'campaign'), options.heldOnly ? heldByCampaign : undefined));
    return rows.map((r) => r.id);
  }

  /**
   * Takes the message for this attempt; null when another worker has it or it is settled. On a
   * WhatsApp number with a known tier it keeps the messaging limit as a drain's claim does: a
   * message that would start a conversation beyond it stays queued (held until `heldUntil`).
   */
  async function claim(tenantId: string, messageId: string): Promise<MessageRow | { heldUntil: Date } | null> {
    return database.withTenant(tenantId, async (tx) => {
      const [due] = await tx
        .select({ id: messages.id, channelId: messages.channelId, contactId: messages.contactId })
        .from(messages)
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, messageId), eq(messages.status, 'queued'), or(isNull(messages.nextAttemptAt), lt(messages.nextAttemptAt, HELD_UNTIL))))
        .for('update');
      if (!due) return null;
      const channel = await channelSendSettings(tx, tenantId, due.channelId);
      const perDay = channel ? messagingLimitOf(channel).perDay : null;
      if (perDay !== null) {
        const { items, retryAt } = await holdBeyondMessagingLimit(tx, { tenantId, channelId: due.channelId, perDay, items: [due] });
        if (items.length === 0) {
          await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId, startAfterSeconds: Math.max(1, Math.ceil((retryAt!.getTime() - Date.now()) / 1000)) });
          return { heldUntil: retryAt! };
        }
      }
      const [row] = await tx
        .update(messages)
        .set({ status: 'sending', attempts: sql`${messages.attempts} + 1`, leaseUntil: sql`now() + make_interval(secs => ${LEASE_SECONDS})`, nextAttemptAt: null })
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, messageId), eq(messages.status, 'queued')))
        .returning();
      return row ?? null;
    });
  }

  /**
   * A message's file, read from the tenant's blobs. `files` keeps the bytes a drain already read
   * (small files, a few at a time): a campaign's template image is read once, not once per
   * recipient, and the adapter sees the same bytes again (the Cloud API uploads them once).
   */
  async function fileOf(tenantId: string, media: StoredMedia & { blobId: string }, files?: Map<string, Promise<Buffer>>): Promise<OutboundMedia> {
    const read = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of readBlob(database, { tenantId, blobId: media.blobId })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    let data = files?.get(media.blobId);
    if (!data) {
      data = read();
      if (files) {
        files.set(media.blobId, data);
        if (files.size > KEPT_FILES) files.delete(files.keys().next().value!);
        data.then((d) => d.length > KEPT_FILE_BYTES && files.delete(media.blobId)).catch(() => files.delete(media.blobId));
      }
    }
    return { data: await data, mimeType: media.mimeType ?? 'application/octet-stream', fileName: media.fileName ?? 'file', voice: media.voice };
  }

  async function buildSend(tenantId: string, message: MessageRow, files?: Map<string, Promise<Buffer>>): Promise<OutboundSend> {
    const { contact, identities } = await database.withTenant(tenantId, async (tx) => {
      const contact = await contactAddress(tx, tenantId, message.contactId);
      return { contact, identities: await identitiesOf(tx, { tenantId, contactIds: [message.contactId] }) };
    });
    const handle = identities.find((i) => i.kind === 'handle')?.value ?? null;
    const waId = identities.find((i) => i.kind === 'wa_id')?.value ?? null;
    const to = { phoneE164: contact?.phoneE164 ?? null, address: handle ?? waId ?? (contact?.phoneE164 ? null : (contact?.email ?? null)) };
    const first = message.media[0];
    const file = first?.blobId ? await fileOf(tenantId, { ...first, blobId: first.blobId }, files) : null;
    // A WhatsApp template's media goes in its header (a template message has no caption of its own).
    if (message.template) return { messageId: message.id, to, content: { type: 'template', template: message.template, ...(file ? { headerMedia: file } : {}) } };
    if (file) return { messageId: message.id, to, content: { type: 'media', media: file, caption: message.body || null } };
    return { messageId: message.id, to, content: { type: 'text', body: message.body } };
  }

  /** Records the outcome if this attempt still owns the message (a stale worker commits nothing). */
  async function settle(tenantId: string, claimed: MessageRow, outcome: (tx: Tx, current: MessageRow) => Promise<MessageRow | null>) {
    return database.withTenant(tenantId, async (tx) => {
      const [current] = await tx
        .select()
        .from(messages)
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, claimed.id), eq(messages.status, 'sending'), eq(messages.attempts, claimed.attempts)))
        .for('update');
      if (!current) {
        logger.warn({ messageId: claimed.id, attempt: claimed.attempts }, 'send outcome arrived after the lease was lost; left to the status webhooks');
        return null;
      }
      const row = await outcome(tx, current);
      if (row) {
        realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', { id: row.id, conversationId: row.conversationId, status: row.status, error: row.errorCode ? { code: row.errorCode, message: row.errorMessage } : null, deliveredAt: row.deliveredAt?.toISOString() ?? null, readAt: row.readAt?.toISOString() ?? null });
        realtime.conversationChanged(tx, tenantId, row.conversationId);
      }
      return row;
    });
  }

  const update = async (tx: Tx, id: string, tenantId: string, set: Partial<typeof messages.$inferInsert>) =>
    (await tx.update(messages).set(set).where(and(eq(messages.tenantId, tenantId), eq(messages.id, id))).returning())[0]!;

  const statusChanged = (tx: Tx, row: MessageRow) =>
    events.emit(tx, 'messages.status-changed', { tenantId: row.tenantId, messageId: row.id, contactId: row.contactId, channelId: row.channelId, status: row.status, code: row.errorCode, source: row.source });

  /**
   * A campaign's message back in the queue after an attempt (a retry's wait, a channel's hold): its
   * campaign hears of it, in case a pause or cancel came while it was on its way (decision 0052).
   */
  const requeued = async (tx: Tx, row: MessageRow): Promise<MessageRow> => {
    if (row.source !== 'campaign') return row;
    await statusChanged(tx, row);
    // As the campaign left it (held, or withdrawn): what the thread is told.
    const [now] = await tx.select().from(messages).where(and(eq(messages.tenantId, row.tenantId), eq(messages.id, row.id)));
    return now ?? row;
  };

  async function fail(tx: Tx, current: MessageRow, code: string, message: string) {
    const row = await update(tx, current.id, current.tenantId, { status: 'failed', errorCode: code, errorMessage: message.slice(0, 1000), failedAt: clock.now(), statusAt: clock.now(), leaseUntil: null });
    await reportFailure(tx, deps, row);
    await statusChanged(tx, row);
    return row;
  }

  /** A failure before the provider was called: nothing left LeadMaster, so it is safe to report (or retry) as it is. */
  async function settleSetupError(tenantId: string, claimed: MessageRow, err: unknown) {
    const known = err instanceof ChannelSendError || err instanceof AppError;
    const code = err instanceof ChannelSendError ? err.code : err instanceof AppError ? 'channel_unavailable' : 'internal_error';
    if (!known) {
      await settle(tenantId, claimed, (tx, current) => update(tx, current.id, tenantId, { status: 'queued', leaseUntil: null }));
      throw err;
    }
    await settle(tenantId, claimed, (tx, current) => fail(tx, current, code, (err as Error).message));
    return { outcome: 'failed' as const, code };
  }

  /**
   * The channel held the send back (its circuit breaker is open, a line's daily cap is spent):
   * nothing was sent, so the message waits, not counting this as an attempt, and so do the
   * channel's other queued messages (one statement, rather than one refusal each).
   */
  const channelHeldUntil = new Map<string, number>();
  async function settleDeferred(tenantId: string, claimed: MessageRow, error: ChannelSendError) {
    const delay = Math.max(1, error.retryAfterSeconds ?? 5);
    const until = sql`now() + make_interval(secs => ${delay})`;
    const held = `${tenantId}:${claimed.channelId}`;
    const holdOthers = (channelHeldUntil.get(held) ?? 0) < Date.now();
    await settle(tenantId, claimed, async (tx, current) => {
      const row = await requeued(tx, await update(tx, current.id, tenantId, { status: 'queued', attempts: current.attempts - 1, errorCode: error.code, errorMessage: error.message.slice(0, 1000), leaseUntil: null, nextAttemptAt: until as never }));
      if (holdOthers) {
        await tx
          .update(messages)
          .set({ nextAttemptAt: until as never })
          .where(and(eq(messages.tenantId, tenantId), eq(messages.channelId, claimed.channelId), eq(messages.status, 'queued'), or(isNull(messages.nextAttemptAt), lt(messages.nextAttemptAt, until))));
      }
      await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId, startAfterSeconds: delay });
      return row;
    });
    if (holdOthers) {
      // The lapsed entries go: a long-lived worker keeps none for every channel it ever held.
      for (const [key, at] of channelHeldUntil) if (at < Date.now()) channelHeldUntil.delete(key);
      channelHeldUntil.set(held, Date.now() + Math.max(0, delay - 1) * 1000);
    }
    return { outcome: 'deferred' as const, code: error.code, inSeconds: delay };
  }

  /** The adapter threw: ambiguous (it may have reached the provider), retried later, or failed. */
  async function settleSendError(tenantId: string, claimed: MessageRow, err: unknown) {
    const error =
      err instanceof ChannelSendError
        ? err
        : new ChannelSendError({ message: `unexpected adapter failure: ${(err as Error).message}`, code: 'adapter_error', retryable: false, ambiguous: true });
    if (error.deferred) return settleDeferred(tenantId, claimed, error);
    if (error.ambiguous) {
      await settle(tenantId, claimed, async (tx, current) => {
        const row = await update(tx, current.id, tenantId, { status: 'ambiguous', errorCode: error.code, errorMessage: error.message.slice(0, 1000), statusAt: clock.now(), leaseUntil: null });
        await statusChanged(tx, row);
        return row;
      });
      return { outcome: 'ambiguous' as const, code: error.code };
    }
    if (error.retryable && claimed.attempts < MAX_ATTEMPTS) {
      // Exponential backoff with jitter, so the retries of a burst of failures do not come back together.
      const delay = error.retryAfterSeconds ?? Math.ceil(Math.min(300, 2 ** claimed.attempts * 2) * (0.5 + Math.random() * 0.5));
      await settle(tenantId, claimed, async (tx, current) => {
        const row = await requeued(tx, await update(tx, current.id, tenantId, { status: 'queued', errorCode: error.code, errorMessage: error.message.slice(0, 1000), leaseUntil: null, nextAttemptAt: sql`now() + make_interval(secs => ${delay})` as never }));
        await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId, startAfterSeconds: delay });
        return row;
      });
      return { outcome: 'retry' as const, code: error.code, inSeconds: delay };
    }
    await settle(tenantId, claimed, (tx, current) => fail(tx, current, error.code, error.message));
    return { outcome: 'failed' as const, code: error.code };
  }

  async function send(tenantId: string, messageId: string) {
    const claimed = await claim(tenantId, messageId);
    if (!claimed) return { outcome: 'not-claimed' };
    if ('heldUntil' in claimed) return { outcome: 'held', code: 'messaging_limit', until: claimed.heldUntil.toISOString() };
    let adapter: ChannelAdapter;
    let request: OutboundSend;
    try {
      adapter = await deps.adapterFor(tenantId, claimed.channelId);
      if (!adapter.capabilities.sendText) throw new ChannelSendError({ message: 'This channel does not send messages', code: 'channel_cannot_send', retryable: false });
      request = await buildSend(tenantId, claimed);
    } catch (err) {
      return settleSetupError(tenantId, claimed, err);
    }
    try {
      const receipt = await adapter.send(request);
      await settle(tenantId, claimed, async (tx, current) => {
        const row = await update(tx, current.id, tenantId, { status: 'sent', providerMessageId: receipt.providerMessageId, service: receipt.service, sentAt: clock.now(), statusAt: clock.now(), leaseUntil: null, errorCode: null, errorMessage: null });
        await statusChanged(tx, row);
        return applyPendingStatuses(tx, deps, row);
      });
      return { outcome: 'sent', providerMessageId: receipt.providerMessageId };
    } catch (err) {
      return settleSendError(tenantId, claimed, err);
    }
  }

  /**
   * WhatsApp's messaging limit for messages about to be sent on a number with a known tier (in the
   * transaction that claims them): the recipients they would start conversations with (not those
   * who wrote in within 24 h: they opened theirs) must first get a place in the number's rolling
   * 24 h limit (admitConversationStarts, serialised per number). A message whose recipient gets none
   * stays queued, not attempted, until the first place frees (`retryAt`). Answers those that may go.
   */
  async function holdBeyondMessagingLimit(tx: Tx, options: { tenantId: string; channelId: string; perDay: number; items: DueMessage[] }): Promise<{ items: DueMessage[]; retryAt: Date | null }> {
    const { tenantId, channelId, perDay, items } = options;
    if (items.length === 0) return { items, retryAt: null };
    const contactIds = [...new Set(items.map((m) => m.contactId))];
    const open = await tx.execute<{ contact_id: string }>(sql`
      select contact_id from ${conversations}
       where tenant_id = ${tenantId} and channel_id = ${channelId}::uuid and contact_id = any(${sql.param(contactIds)}::uuid[])
         and last_inbound_at > now() - make_interval(secs => ${WHATSAPP_WINDOW_MS / 1000})`);
    const inWindow = new Set(open.map((r) => r.contact_id));
    const { admitted, retryAt } = await admitConversationStarts(tx, { tenantId, channelId, perDay, contactIds: contactIds.filter((id) => !inWindow.has(id)) });
    const held = items.filter((m) => !inWindow.has(m.contactId) && !admitted.has(m.contactId));
    if (held.length === 0) return { items, retryAt: null };
    // Waiting, not failing: no attempt is counted, and a drain comes back when a place frees.
    await tx
      .update(messages)
      .set({ nextAttemptAt: retryAt, errorCode: 'messaging_limit', errorMessage: "The number's WhatsApp messaging limit is reached for the last 24 hours" })
      .where(and(eq(messages.tenantId, tenantId), equalsAny(messages.id, held.map((m) => m.id)), eq(messages.status, 'queued')));
    const heldIds = new Set(held.map((m) => m.id));
    return { items: items.filter((m) => !heldIds.has(m.id)), retryAt };
  }

  /**
   * Takes a slice of due messages for this attempt, in one transaction and, for a number without a
   * messaging limit, one round trip: the messages still queued and due (a hold put on their channel
   * meanwhile wins) and not being taken by another drain at this moment (SKIP LOCKED), each with a
   * lease, sent together with the reads of the recipients' numbers and identities. On a WhatsApp
   * number with a known tier, the messaging limit first (holdBeyondMessagingLimit).
   */
  async function claimSlice(tenantId: string, slice: { channelId: string; perDay: number | null; items: DueMessage[] }) {
    return database.withTenant(tenantId, async (tx) => {
      const items = slice.perDay !== null ? (await holdBeyondMessagingLimit(tx, { tenantId, channelId: slice.channelId, perDay: slice.perDay, items: slice.items })).items : slice.items;
      if (items.length === 0) return { claimed: [] as MessageRow[], recipients: emptyRecipients() };
      const contactIds = [...new Set(items.map((m) => m.contactId))];
      // Sent together (postgres.js pipelines a connection's queries): one round trip for the three.
      const [claimed, addresses, identities] = await Promise.all([
        tx
          .update(messages)
          .set({ status: 'sending', attempts: sql`${messages.attempts} + 1`, leaseUntil: sql`now() + make_interval(secs => ${LEASE_SECONDS})`, nextAttemptAt: null })
          .where(
            and(
              eq(messages.tenantId, tenantId),
              // = any(array(…)): the locking subquery runs once. As `in (…)` the planner could make it the
              // inner side of a nested-loop semi join over the tenant's messages, run again per outer row
              // (a tenant with few of the table's messages: 985,000 buffers for 500 rows, not 25,000).
              sql`${messages.id} = any(array(select id from ${messages} where ${messages.tenantId} = ${tenantId} and ${messages.id} = any(${sql.param(items.map((m) => m.id))}::uuid[])
                                     and ${messages.status} = 'queued' and (${messages.nextAttemptAt} is null or ${messages.nextAttemptAt} <= now())
                                     for update skip locked))`,
            ),
          )
          .returning(),
        contactAddresses(tx, tenantId, contactIds),
        identitiesOf(tx, { tenantId, contactIds }),
      ]);
      return { claimed, recipients: { addresses, identities } };
    });
  }

  /** The requests of a batch, from the recipients' numbers and identities read with its claim. */
  async function buildSends(tenantId: string, rows: MessageRow[], recipients: Recipients, files: Map<string, Promise<Buffer>>): Promise<Map<string, OutboundSend | Error>> {
    const { addresses, identities } = recipients;
    const identitiesBy = new Map<string, typeof identities>();
    for (const i of identities) pushTo(identitiesBy, i.contactId, i);
    const out = new Map<string, OutboundSend | Error>();
    for (const message of rows) {
      if (message.media[0]?.blobId) {
        // Media is read from the tenant's blobs one message at a time (rare in bulk).
        out.set(message.id, await buildSend(tenantId, message, files).catch((err: unknown) => err as Error));
        continue;
      }
      const contact = addresses.get(message.contactId);
      const own = identitiesBy.get(message.contactId) ?? [];
      const handle = own.find((i) => i.kind === 'handle')?.value ?? null;
      const waId = own.find((i) => i.kind === 'wa_id')?.value ?? null;
      const to = { phoneE164: contact?.phoneE164 ?? null, address: handle ?? waId ?? (contact?.phoneE164 ? null : (contact?.email ?? null)) };
      out.set(message.id, message.template ? { messageId: message.id, to, content: { type: 'template', template: message.template } } : { messageId: message.id, to, content: { type: 'text', body: message.body } });
    }
    return out;
  }

  /**
   * Records a batch of accepted sends in one transaction and one statement, each row only if this
   * attempt still owns it (status `sending` with this attempt number: a stale worker commits
   * nothing). Statuses that beat the commit are applied; the ledger hears of all of them in one
   * event. Returns how many were recorded.
   */
  async function settleSent(tenantId: string, sent: { claimed: MessageRow; providerMessageId: string; service: string | null | undefined }[]): Promise<number> {
    if (sent.length === 0) return 0;
    return database.withTenant(tenantId, async (tx) => {
      const now = clock.now().toISOString();
      const col = <T>(f: (s: (typeof sent)[number]) => T) => sql.param(sent.map(f));
      const recording = tx.execute<{ id: string; conversation_id: string; contact_id: string; channel_id: string; source: string; provider_message_id: string }>(sql`
        update ${messages} m set status = 'sent', provider_message_id = v.provider_message_id, service = coalesce(v.service, m.service), sent_at = ${now}::timestamptz,
               status_at = ${now}::timestamptz, lease_until = null, error_code = null, error_message = null
          from unnest(${col((s) => s.claimed.id)}::uuid[], ${col((s) => s.claimed.attempts)}::int[], ${col((s) => s.providerMessageId)}::text[], ${col((s) => s.service ?? null)}::text[])
            as v(id, attempts, provider_message_id, service)
         where m.tenant_id = ${tenantId} and m.id = v.id and m.status = 'sending' and m.attempts = v.attempts
        returning m.id, m.conversation_id, m.contact_id, m.channel_id, m.source, m.provider_message_id`);
      // A status webhook can beat this commit: it waits in pending statuses, applied now. Looked for
      // by the provider ids the sends got, sent with the update (one round trip; after it, in order).
      const waiting = tx
        .select({ channelId: pendingStatuses.channelId, providerMessageId: pendingStatuses.providerMessageId })
        .from(pendingStatuses)
        .where(
          and(
            eq(pendingStatuses.tenantId, tenantId),
            sql`(${pendingStatuses.channelId}, ${pendingStatuses.providerMessageId}) in (select * from unnest(${sql.param(sent.map((s) => s.claimed.channelId))}::uuid[], ${sql.param(sent.map((s) => s.providerMessageId))}::text[]))`,
          ),
        );
      const [rows, early] = await Promise.all([recording, waiting]);
      if (rows.length < sent.length) logger.warn({ tenantId, lost: sent.length - rows.length }, 'send outcomes arrived after their leases were lost; left to the status webhooks');
      await events.emit(tx, 'messages.statuses-changed', {
        tenantId,
        items: rows.map((r) => ({ messageId: r.id, contactId: r.contact_id, channelId: r.channel_id, status: 'sent', code: null, source: r.source })),
      });
      const earlyIds = new Set(early.map((e) => `${e.channelId}:${e.providerMessageId}`));
      for (const r of rows) {
        let row: MessageRow | null = null;
        if (earlyIds.has(`${r.channel_id}:${r.provider_message_id}`)) {
          const [current] = await tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, r.id)));
          row = await applyPendingStatuses(tx, deps, current!);
        }
        // A campaign's messages are announced by its progress, not one by one (decision 0019).
        if (r.source === 'campaign' && !row) continue;
        row ??= (await tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, r.id))))[0]!;
        realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', { id: row.id, conversationId: row.conversationId, status: row.status, error: null, deliveredAt: row.deliveredAt?.toISOString() ?? null, readAt: row.readAt?.toISOString() ?? null });
        realtime.conversationChanged(tx, tenantId, row.conversationId);
      }
      return rows.length;
    });
  }

  /**
   * This process's last sends on each channel account, one per unit of its rate (a ring): a send
   * waits for its reserved slot and then, checked again after every wait, until the send `rate`
   * sends before it is a second old, so timers that fire late together on a busy machine never put
   * more than the rate into one second. (Rates above MAX_WINDOW_RATE are not windowed: a Sandbox or
   * a benchmark's instant provider.)
   */
  const recentSends = new Map<string, { times: number[]; next: number }>();
  async function paced(slice: { channelId: string; rate: number }, slotAt: number) {
    if (slice.rate <= 0) return;
    let wait = slotAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (slice.rate > MAX_WINDOW_RATE) return;
    const size = Math.max(1, Math.floor(slice.rate));
    let ring = recentSends.get(slice.channelId);
    if (!ring || ring.times.length !== size) {
      ring = { times: new Array<number>(size).fill(0), next: 0 };
      recentSends.set(slice.channelId, ring);
      if (recentSends.size > 10_000) recentSends.delete(recentSends.keys().next().value!);
    }
    for (;;) {
      wait = ring.times[ring.next]! + 1000 - Date.now();
      if (wait <= 0) break;
      await new Promise((r) => setTimeout(r, wait));
    }
    ring.times[ring.next] = Date.now();
    ring.next = (ring.next + 1) % size;
  }

  /**
   * Sends a tenant's due messages, a round of up to DRAIN_BATCH at a time, each channel's share in
   * slices of SLICE_SECONDS of its rate: a slice claimed in one statement (SKIP LOCKED, so two
   * drains never take the same message), its slots reserved from the channel's bucket in one
   * statement (spaced at the number's rate across every worker and process), sent with several
   * requests in flight each at its slot, and the accepted ones recorded in one statement.
   * Failures are settled one by one (retry, ambiguous, failed, deferred).
   */
  async function drain(tenantId: string, options: { signal?: AbortSignal; budgetMs?: number } = {}) {
    const started = Date.now();
    const budget = options.budgetMs ?? DRAIN_BUDGET_MS;
    // Per channel: its pacing rate and, for a WhatsApp number with a known tier, its messaging limit.
    const sendSettings = new Map<string, Promise<{ rate: number; perDay: number | null }>>();
    const settingsOf = (channelId: string) => {
      let known = sendSettings.get(channelId);
      if (!known) {
        known = database.withTenant(tenantId, async (tx) => {
          const channel = await channelSendSettings(tx, tenantId, channelId);
          // Spaced a little under the configured rate, so the provider never counts more in a second (send-rate.ts).
          return { rate: channel ? pacingRateOf(channel.kind, channel.settings) : 0, perDay: channel ? messagingLimitOf(channel).perDay : null };
        });
        known.catch(() => sendSettings.delete(channelId));
        sendSettings.set(channelId, known);
      }
      return known;
    };
    const adapters = new Map<string, Promise<ChannelAdapter>>();
    const adapterOf = (channelId: string) => {
      if (!adapters.has(channelId)) {
        const made = deps.adapterFor(tenantId, channelId);
        made.catch(() => adapters.delete(channelId));
        adapters.set(channelId, made);
      }
      return adapters.get(channelId)!;
    };
    /** Files this drain read for its messages (see fileOf). */
    const files = new Map<string, Promise<Buffer>>();
    const outcomes: Record<string, number> = {};
    /** Recordings of accepted sends under way (see sendSlice). */
    const settling: Promise<void>[] = [];
    const count = (outcome: string, n = 1) => (outcomes[outcome] = (outcomes[outcome] ?? 0) + n);
    for (;;) {
      if (options.signal?.aborted || Date.now() - started > budget) break;
      const due = await database.withTenant(tenantId, (tx) =>
        tx
          .select({ id: messages.id, channelId: messages.channelId, contactId: messages.contactId })
          .from(messages)
          .where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'), or(isNull(messages.nextAttemptAt), lte(messages.nextAttemptAt, sql`now()`))))
          // In the in-flight index's order (queued rows have no lease: the order they were stored in),
          // never sorted: with a campaign's backlog queued, a sort by creation time read all of it every round.
          .orderBy(asc(messages.status), asc(messages.leaseUntil))
          .limit(DRAIN_BATCH),
      );
      if (due.length === 0) break;
      // Each channel's share of the round (as much as RESERVE_SECONDS of its rate), its channels side
      // by side, each a slice at a time: the slice claimed (those still queued: another drain may have
      // taken some), then slots reserved for exactly what was claimed, then sent at them. A worker
      // that dies leaves only its slice `sending` (ambiguous once the lease ends), and slots are never
      // reserved for messages another drain took.
      const byChannel = new Map<string, DueMessage[]>();
      for (const m of due) {
        const list = byChannel.get(m.channelId);
        if (list) list.push(m);
        else byChannel.set(m.channelId, [m]);
      }
      await Promise.all(
        [...byChannel].map(async ([channelId, items]) => {
          const { rate, perDay } = await settingsOf(channelId);
          // A channel that cannot send (listen-only, removed) fails in the send with its reason.
          const share = rate > 0 ? items.slice(0, Math.max(1, Math.floor(rate * RESERVE_SECONDS))) : items;
          const size = rate > 0 ? Math.max(1, Math.floor(rate * SLICE_SECONDS)) : share.length;
          // Two slices under way at once: one is claimed and prepared while the other is sent and recorded.
          let from = 0;
          const lane = async () => {
            while (from < share.length) {
              const items = share.slice(from, (from += size));
              await sendSlice({ channelId, rate, perDay, items });
            }
          };
          await Promise.all([lane(), lane()]);
        }),
      );
      // The round's outcomes are all recorded before the next round looks for due messages.
      const settled = await Promise.allSettled(settling.splice(0));
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }

    /** Claims these messages (those still queued), reserves their slots, sends each at its slot, and records the outcomes. */
    async function sendSlice(slice: { channelId: string; rate: number; perDay: number | null; items: DueMessage[] }) {
      const { claimed, recipients } = await claimSlice(tenantId, slice);
      if (claimed.length === 0) return;
      const waits = slice.rate > 0 ? await reserveSendSlots(database, { tenantId, channelId: slice.channelId, perSecond: slice.rate, count: claimed.length }) : claimed.map(() => 0);
      const reservedAt = Date.now();
      const waitOf = new Map(claimed.map((c, i) => [c.id, waits[i]!]));
      let requests: Map<string, OutboundSend | Error>;
      try {
        requests = await buildSends(tenantId, claimed, recipients, files);
      } catch (err) {
        // Nothing was sent: give the slice back to the queue (as one send would).
        for (const c of claimed) await settle(tenantId, c, (tx, current) => update(tx, current.id, tenantId, { status: 'queued', leaseUntil: null }));
        throw err;
      }
      let accepted: { claimed: MessageRow; providerMessageId: string; service: string | null | undefined }[] = [];
      const failures: { claimed: MessageRow; err: unknown; setup: boolean }[] = [];
      // Accepted sends are recorded as they come, at most SETTLE_EVERY_MS after the first of them, in
      // the background (the lane goes on to its next slice): a worker that dies leaves few sends whose
      // outcome it knew but never wrote (ambiguous), and a slow commit never holds up the sending.
      let flushTimer: NodeJS.Timeout | null = null;
      const flush = () => {
        if (flushTimer) clearTimeout(flushTimer);
        flushTimer = null;
        if (accepted.length === 0) return;
        const batch = accepted;
        accepted = [];
        const recorded = settleSent(tenantId, batch).then((n) => void count('sent', n));
        // Awaited (and its failure thrown) at the end of the round; never an unhandled rejection meanwhile.
        recorded.catch(() => undefined);
        settling.push(recorded);
      };
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < claimed.length; i = next++) {
          const message = claimed[i]!;
          const request = requests.get(message.id);
          let adapter: ChannelAdapter;
          try {
            if (!request || request instanceof Error) throw request ?? new Error('no request built');
            adapter = await adapterOf(message.channelId);
            if (!adapter.capabilities.sendText) throw new ChannelSendError({ message: 'This channel does not send messages', code: 'channel_cannot_send', retryable: false });
          } catch (err) {
            failures.push({ claimed: message, err, setup: true });
            continue;
          }
          await paced(slice, reservedAt + waitOf.get(message.id)! * 1000);
          try {
            const receipt = await adapter.send(request);
            accepted.push({ claimed: message, providerMessageId: receipt.providerMessageId, service: receipt.service });
            flushTimer ??= setTimeout(flush, SETTLE_EVERY_MS);
          } catch (err) {
            failures.push({ claimed: message, err, setup: false });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(DRAIN_CONCURRENCY, claimed.length) }, worker));
      flush();
      for (const f of failures) {
        try {
          const result = f.setup ? await settleSetupError(tenantId, f.claimed, f.err) : await settleSendError(tenantId, f.claimed, f.err);
          count(result.outcome);
        } catch (err) {
          logger.error({ err, messageId: f.claimed.id }, 'sending a message failed unexpectedly; it stays queued');
          count('error');
        }
      }
    }
    // What is left (a retry waiting for its time, or more than the budget allowed) gets another drain;
    // messages held by a paused campaign wait for its resume, which schedules one.
    const [left] = await database.withTenant(tenantId, (tx) =>
      tx
        .select({ n: sql<number>`count(*)::int`, inSeconds: sql<number | null>`ceil(extract(epoch from min(coalesce(${messages.nextAttemptAt}, now())) - now()))::int` })
        .from(messages)
        .where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'), or(isNull(messages.nextAttemptAt), lt(messages.nextAttemptAt, HELD_UNTIL)))),
    );
    if (left && left.n > 0) await jobs.enqueue(drainJob, {}, { tenantId, singletonKey: tenantId, startAfterSeconds: Math.max(1, left.inSeconds ?? 1) });
    return { outcomes, queued: left?.n ?? 0 };
  }

  /** In the queuing transaction: one waiting drain per tenant, woken at once in this process. */
  async function scheduleDrain(tx: Tx, tenantId: string) {
    await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId });
    afterCommit(tx, () => jobs.wake(drainJob));
  }

  const drainJob = defineJob({
    name: 'messaging.send-drain',
    payload: z.object({}).loose(),
    policy: 'stately',
    retryLimit: 5,
    retryDelaySeconds: 2,
    // A drain stops taking batches after DRAIN_BUDGET_MS; one still active after 3 min is stuck in a
    // live process (seen once under the reliability test's terminated backends: no statement running,
    // no provider request open, its liveness lock held). pg-boss's maintenance (every 2 min) then fails
    // it, so the tenant's waiting drain runs — after 3 to 5 min instead of the default 15.
    expireInSeconds: 180,
    async run(_payload, ctx) {
      return drain(ctx.tenantId!, { signal: ctx.signal });
    },
  });

  /** One message (kept for jobs queued before the drain existed). */
  const sendJob = defineJob({
    name: 'messaging.send',
    payload: z.object({ messageId: z.uuid() }),
    retryLimit: 3,
    retryDelaySeconds: 5,
    async run(payload, ctx) {
      return send(ctx.tenantId!, payload.messageId);
    },
  });

  /** Sends whose worker vanished (lease expired while `sending`): their outcome is unknown. Also re-drains tenants with queued messages. */
  async function sweep() {
    const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
    let marked = 0;
    for (const { id: tenantId } of tenants) {
      marked += await database.withTenant(tenantId, async (tx) => {
        const rows = await tx
          .update(messages)
          .set({ status: 'ambiguous', errorCode: 'worker_lost', errorMessage: 'The worker sending this message stopped before recording the outcome', leaseUntil: null, statusAt: clock.now() })
          .where(and(eq(messages.tenantId, tenantId), inArray(messages.status, ['sending']), lt(messages.leaseUntil, sql`now()`)))
          .returning();
        for (const row of rows) {
          await statusChanged(tx, row);
          realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', { id: row.id, conversationId: row.conversationId, status: row.status, error: { code: 'worker_lost', message: row.errorMessage }, deliveredAt: null, readAt: null });
        }
        // A drain that died for good (its retries spent under repeated crashes) leaves queued
        // messages behind with nothing to send them: give the tenant a drain again. One already
        // waiting (for a held send's place, a retry) is left as it is, not brought forward each minute.
        const [queued] = await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'))).limit(1);
        if (queued) await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId, unlessWaiting: true });
        return rows.length;
      });
    }
    return { marked };
  }

  const sweepJob = defineJob({
    name: 'messaging.sweep-lost-sends',
    payload: z.object({}).loose(),
    cron: '* * * * *',
    async run() {
      return sweep();
    },
  });

  return { queue, queueMany, hold, release, withdraw, backlog, queuedCampaignMessages, send, drain, sweep, sendJob, drainJob, sweepJob };
}

export type Outbound = ReturnType<typeof createOutbound>;
