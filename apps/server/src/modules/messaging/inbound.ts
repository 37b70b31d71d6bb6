import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { memoInTx } from '../../platform/db/tx-memo';
import type { ModuleDeps } from '../../platform/deps';
import { recordOptOut } from '../contacts';
import { errorAction, STATUS_RANK, type InboundItem, type InboundMessageItem, type InboundStatusItem } from '../channels';
import { conversations, messages, messagingSettings, pendingStatuses, type MessageStatus } from './messaging.tables';
import { resolveSender } from './identity';
import { matchOptOut, DEFAULT_OPT_OUT_KEYWORDS } from './opt-out';
import { presentMessage, previewOf } from './messaging.present';
import type { Realtime } from './realtime';

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

/**
 * Applies a status to a message LeadMaster sent. Later states win ("read" after "delivered",
 * never the reverse), timestamps fill in whatever order they come. Returns the updated row when
 * the status moved on.
 */
export async function applyStatus(
  tx: Tx,
  deps: Pick<ModuleDeps, 'events'>,
  message: MessageRow,
  status: { status: 'sent' | 'delivered' | 'read' | 'failed'; at: Date; error: { code: string; title: string; message: string | null } | null; service?: string | null },
): Promise<MessageRow | null> {
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
  if (Object.keys(set).length === 0) return null;
  const [row] = await tx
    .update(messages)
    .set(set)
    .where(and(eq(messages.tenantId, message.tenantId), eq(messages.id, message.id)))
    .returning();
  if (!advances) return null;
  const { tenantId, contactId, channelId } = message;
  const channel = row!.service ?? 'unknown';
  if ((status.status === 'delivered' || status.status === 'read') && current < STATUS_RANK.delivered!) await deps.events.emit(tx, 'messages.delivered', { tenantId, contactId, channel });
  if (status.status === 'failed') await reportFailure(tx, deps, row!);
  await deps.events.emit(tx, 'messages.status-changed', { tenantId, messageId: message.id, contactId, channelId, status: status.status, code: row!.errorCode, source: message.source });
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

/**
 * Turns the items of a processed webhook into contacts, conversations and messages, in the
 * processing transaction: a duplicate (same provider message id on the channel) changes nothing.
 */
export function createInboundHandler(deps: ModuleDeps & { realtime: Realtime; fetchMediaLater(tx: Tx, message: MessageRow): Promise<void> }) {
  const { events, logger, realtime } = deps;

  async function onMessage(tx: Tx, options: { tenantId: string; channelId: string; item: InboundMessageItem }) {
    const { tenantId, channelId, item } = options;
    const clientRef = ourId(item.clientRef);
    if (item.direction === 'outbound' && clientRef) {
      // The echo of a message we sent (BlueBubbles reports our own sends): it is a status.
      const [ours] = await tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, clientRef)));
      if (ours) {
        await onStatus(tx, { tenantId, channelId, item: { kind: 'status', providerMessageId: item.providerMessageId, clientRef, status: 'sent', service: item.service, recipient: null, at: item.at, error: null } });
        return;
      }
    }
    const sender = await resolveSender(tx, events, { tenantId, sender: item.from, source: `channel:${item.service}` });
    const conversation = await conversationFor(tx, { tenantId, channelId, contactId: sender.contactId });
    const replyTo = item.replyTo ?? item.reaction?.providerMessageId ?? null;
    const [replied] = replyTo
      ? await tx
          .select({ id: messages.id })
          .from(messages)
          .where(and(eq(messages.tenantId, tenantId), eq(messages.channelId, channelId), eq(messages.providerMessageId, replyTo)))
      : [];
    const inbound = item.direction === 'inbound';
    const body = item.type === 'reaction' ? (item.reaction?.emoji ?? '') : item.type === 'location' && item.location ? [item.location.name, item.location.address, `${item.location.latitude},${item.location.longitude}`].filter(Boolean).join(' · ') : (item.text ?? '');
    const media = item.media ? [{ blobId: null, providerMediaId: item.media.providerMediaId, mimeType: item.media.mimeType, fileName: item.media.fileName, caption: item.media.caption, voice: item.media.voice }] : [];
    const [row] = await tx
      .insert(messages)
      .values({
        tenantId,
        conversationId: conversation.id,
        contactId: sender.contactId,
        channelId,
        direction: item.direction,
        service: item.service,
        type: item.type,
        body,
        media,
        status: inbound ? 'received' : 'sent',
        providerMessageId: item.providerMessageId,
        replyToId: replied?.id ?? null,
        source: inbound ? 'contact' : 'channel',
        createdAt: item.at,
        sentAt: inbound ? null : item.at,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) return; // A duplicate: already stored.

    const at = item.at.toISOString();
    const newer = sql`(${conversations.lastMessageAt} is null or ${conversations.lastMessageAt} <= ${at}::timestamptz)`;
    const [updated] = await tx
      .update(conversations)
      .set({
        lastMessageAt: sql`greatest(${conversations.lastMessageAt}, ${at}::timestamptz)`,
        lastMessagePreview: sql`case when ${newer} then ${previewOf(row)} else ${conversations.lastMessagePreview} end`,
        lastMessageDirection: sql`case when ${newer} then ${item.direction} else ${conversations.lastMessageDirection} end`,
        ...(inbound
          ? {
              inboundSeq: sql`${conversations.inboundSeq} + 1`,
              lastInboundAt: sql`greatest(${conversations.lastInboundAt}, ${at}::timestamptz)`,
              // A contact who writes again reopens the conversation.
              status: 'active' as const,
            }
          : {}),
      })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversation.id)))
      .returning();
    if (media.length) await deps.fetchMediaLater(tx, row);

    if (inbound) {
      await events.emit(tx, 'messages.reply-received', { tenantId, contactId: sender.contactId, channel: item.service, at: item.at, channelId, messageId: row.id, inReplyTo: replied?.id ?? null });
      const keyword = matchOptOut(item.text, await optOutKeywordsInTx(tx, tenantId));
      if (keyword) {
        await recordOptOut(tx, {
          tenantId,
          contactId: sender.contactId,
          channel: CONSENT_CHANNEL[item.service],
          country: sender.country || 'US',
          phone: sender.phoneE164,
          text: item.text ?? keyword,
          source: `inbound:${channelId}`,
          at: item.at,
        });
        logger.info({ tenantId, contactId: sender.contactId, keyword }, 'opt-out received');
      }
    }
    realtime.publishAfterCommit(tx, tenantId, 'message.created', presentMessage(row));
    realtime.conversationChanged(tx, tenantId, updated!.id);
  }

  async function onStatus(tx: Tx, options: { tenantId: string; channelId: string; item: InboundStatusItem }) {
    const { tenantId, channelId, item } = options;
    const byProvider = eq(messages.providerMessageId, item.providerMessageId);
    const [message] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), eq(messages.channelId, channelId), ourId(item.clientRef) ? sql`(${byProvider} or ${messages.id} = ${ourId(item.clientRef)}::uuid)` : byProvider))
      .for('update');
    if (!message) {
      // The webhook beat the commit of the send (or the message was sent outside LeadMaster): keep it.
      await tx
        .insert(pendingStatuses)
        .values({ tenantId, channelId, providerMessageId: item.providerMessageId, status: item.status, at: item.at, error: item.error })
        .onConflictDoNothing();
      return;
    }
    let current = message;
    if (!message.providerMessageId) {
      // An ambiguous or in-flight send, recognised by our own id: it did reach the provider.
      [current] = await tx
        .update(messages)
        .set({ providerMessageId: item.providerMessageId, ...(message.status === 'ambiguous' || message.status === 'sending' ? { status: 'sent' as MessageStatus, sentAt: item.at, leaseUntil: null } : {}) })
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, message.id)))
        .returning() as [MessageRow];
      current = await applyPendingStatuses(tx, deps, current);
    }
    const updated = await applyStatus(tx, deps, current, item);
    if (updated || current !== message) {
      const row = updated ?? current;
      realtime.publishAfterCommit(tx, tenantId, 'message.status_updated', { id: row.id, conversationId: row.conversationId, status: row.status, error: row.errorCode ? { code: row.errorCode, message: row.errorMessage } : null, deliveredAt: row.deliveredAt?.toISOString() ?? null, readAt: row.readAt?.toISOString() ?? null });
    }
  }

  async function handle(tx: Tx, event: { tenantId: string; channelId: string; items: unknown[] }) {
    for (const item of event.items as InboundItem[]) {
      switch (item.kind) {
        case 'message':
          await onMessage(tx, { tenantId: event.tenantId, channelId: event.channelId, item });
          break;
        case 'status':
          await onStatus(tx, { tenantId: event.tenantId, channelId: event.channelId, item });
          break;
        case 'typing': {
          const typing = item;
          realtime.publishAfterCommit(tx, event.tenantId, 'typing', { channelId: event.channelId, from: typing.from, on: typing.on });
          break;
        }
        case 'errors':
          logger.warn({ tenantId: event.tenantId, channelId: event.channelId, errors: item.errors }, 'provider reported errors');
          break;
        default:
          break; // Account updates belong to the channels module.
      }
    }
  }

  events.on('channels.inbound', handle);
  return { handle };
}
