import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../platform/db/database';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';
import { AppError } from '../../platform/errors';
import { defineJob } from '../../platform/jobs/queue';
import { readBlob } from '../../platform/storage/blobs';
import { ChannelSendError, sendRateOf, takeSendToken, type ChannelAdapter, type OutboundSend } from '../channels';
import { conversations, messages, type StoredMedia } from './messaging.tables';
import { applyPendingStatuses, conversationFor, reportFailure } from './inbound';
import { identitiesOf } from './identity';
import { channelKindOf, channelSendSettings, contactAddress } from './messaging.repository';
import { presentMessage, previewOf } from './messaging.present';
import type { Realtime } from './realtime';

type MessageRow = typeof messages.$inferSelect;

/** The service a channel kind sends on; BlueBubbles decides per message (iMessage or SMS) and says so in its receipt. */
const SERVICE_OF_KIND: Record<string, string | null> = { whatsapp_cloud: 'whatsapp', whatsapp_web: 'whatsapp', sandbox: 'sandbox', bluebubbles: null };

/** How long a worker owns a message it is sending; past it, the outcome is unknown (ambiguous). */
const LEASE_SECONDS = 120;
const MAX_ATTEMPTS = 6;
/** Messages a drain looks at per round, and how many it sends at once (each waits for its channel's token). */
const DRAIN_BATCH = 100;
const DRAIN_CONCURRENCY = 8;
/** A drain hands over to a fresh job after this long, so one tenant never holds a worker for ever. */
const DRAIN_BUDGET_MS = 20_000;
/** WhatsApp lets a business write free text only within 24 h of the contact's last message. */
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

export type QueueMessage = {
  tenantId: string;
  contactId: string;
  channelId: string;
  body?: string;
  media?: StoredMedia[];
  template?: { name: string; language: string; parameters: string[] } | null;
  source: string;
  createdBy?: string | null;
  replyToId?: string | null;
};

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
    if (kind === 'whatsapp_cloud' && !message.template) {
      const last = conversation.lastInboundAt?.getTime() ?? 0;
      if (clock.now().getTime() - last > WHATSAPP_WINDOW_MS) throw outsideWindow();
    }
    const media = message.media ?? [];
    const type = message.template ? 'template' : media.length ? (media[0]!.mimeType?.split('/')[0] ?? 'document') : 'text';
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

  /** Takes the message for this attempt; null when another worker has it or it is settled. */
  async function claim(tenantId: string, messageId: string): Promise<MessageRow | null> {
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx
        .update(messages)
        .set({ status: 'sending', attempts: sql`${messages.attempts} + 1`, leaseUntil: sql`now() + make_interval(secs => ${LEASE_SECONDS})`, nextAttemptAt: null })
        .where(and(eq(messages.tenantId, tenantId), eq(messages.id, messageId), eq(messages.status, 'queued')))
        .returning(),
    );
    return row ?? null;
  }

  async function buildSend(tenantId: string, message: MessageRow): Promise<OutboundSend> {
    const { contact, identities } = await database.withTenant(tenantId, async (tx) => {
      const contact = await contactAddress(tx, tenantId, message.contactId);
      return { contact, identities: await identitiesOf(tx, { tenantId, contactIds: [message.contactId] }) };
    });
    const handle = identities.find((i) => i.kind === 'handle')?.value ?? null;
    const waId = identities.find((i) => i.kind === 'wa_id')?.value ?? null;
    const to = { phoneE164: contact?.phoneE164 ?? null, address: handle ?? waId ?? (contact?.phoneE164 ? null : (contact?.email ?? null)) };
    if (message.template) return { messageId: message.id, to, content: { type: 'template', template: message.template } };
    const first = message.media[0];
    if (first?.blobId) {
      const chunks: Buffer[] = [];
      for await (const chunk of readBlob(database, { tenantId, blobId: first.blobId })) chunks.push(chunk as Buffer);
      return {
        messageId: message.id,
        to,
        content: { type: 'media', media: { data: Buffer.concat(chunks), mimeType: first.mimeType ?? 'application/octet-stream', fileName: first.fileName ?? 'file', voice: first.voice }, caption: message.body || null },
      };
    }
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

  async function fail(tx: Tx, current: MessageRow, code: string, message: string) {
    const row = await update(tx, current.id, current.tenantId, { status: 'failed', errorCode: code, errorMessage: message.slice(0, 1000), failedAt: clock.now(), statusAt: clock.now(), leaseUntil: null });
    await reportFailure(tx, deps, row);
    await statusChanged(tx, row);
    return row;
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
      const row = await update(tx, current.id, tenantId, { status: 'queued', attempts: current.attempts - 1, errorCode: error.code, errorMessage: error.message.slice(0, 1000), leaseUntil: null, nextAttemptAt: until as never });
      if (holdOthers) {
        await tx
          .update(messages)
          .set({ nextAttemptAt: until as never })
          .where(and(eq(messages.tenantId, tenantId), eq(messages.channelId, claimed.channelId), eq(messages.status, 'queued'), or(isNull(messages.nextAttemptAt), lt(messages.nextAttemptAt, until))));
      }
      await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId, startAfterSeconds: delay });
      return row;
    });
    if (holdOthers) channelHeldUntil.set(held, Date.now() + Math.max(0, delay - 1) * 1000);
    return { outcome: 'deferred' as const, code: error.code, inSeconds: delay };
  }

  async function send(tenantId: string, messageId: string) {
    const claimed = await claim(tenantId, messageId);
    if (!claimed) return { outcome: 'not-claimed' };
    let adapter: ChannelAdapter;
    let request: OutboundSend;
    try {
      adapter = await deps.adapterFor(tenantId, claimed.channelId);
      if (!adapter.capabilities.sendText) throw new ChannelSendError({ message: 'This channel does not send messages', code: 'channel_cannot_send', retryable: false });
      request = await buildSend(tenantId, claimed);
    } catch (err) {
      // Nothing left LeadMaster: a failure here is safe to report (or retry) as it is.
      const known = err instanceof ChannelSendError || err instanceof AppError;
      const code = err instanceof ChannelSendError ? err.code : err instanceof AppError ? 'channel_unavailable' : 'internal_error';
      if (!known) {
        await settle(tenantId, claimed, (tx, current) => update(tx, current.id, tenantId, { status: 'queued', leaseUntil: null }));
        throw err;
      }
      await settle(tenantId, claimed, (tx, current) => fail(tx, current, code, (err as Error).message));
      return { outcome: 'failed', code };
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
        return { outcome: 'ambiguous', code: error.code };
      }
      if (error.retryable && claimed.attempts < MAX_ATTEMPTS) {
        // Exponential backoff with jitter, so the retries of a burst of failures do not come back together.
        const delay = error.retryAfterSeconds ?? Math.ceil(Math.min(300, 2 ** claimed.attempts * 2) * (0.5 + Math.random() * 0.5));
        await settle(tenantId, claimed, async (tx, current) => {
          const row = await update(tx, current.id, tenantId, { status: 'queued', errorCode: error.code, errorMessage: error.message.slice(0, 1000), leaseUntil: null, nextAttemptAt: sql`now() + make_interval(secs => ${delay})` as never });
          await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId, startAfterSeconds: delay });
          return row;
        });
        return { outcome: 'retry', code: error.code, inSeconds: delay };
      }
      await settle(tenantId, claimed, (tx, current) => fail(tx, current, error.code, error.message));
      return { outcome: 'failed', code: error.code };
    }
  }

  /**
   * Sends a tenant's due messages: oldest first, several at once, each after taking a token of
   * its channel's bucket (so the number's rate holds across every worker and process). Claiming
   * is per message (`send`), so two drains never send the same message.
   */
  async function drain(tenantId: string, options: { signal?: AbortSignal; budgetMs?: number } = {}) {
    const started = Date.now();
    const budget = options.budgetMs ?? DRAIN_BUDGET_MS;
    const rates = new Map<string, number>();
    const rateOf = async (channelId: string) => {
      if (!rates.has(channelId)) {
        const channel = await database.withTenant(tenantId, (tx) => channelSendSettings(tx, tenantId, channelId));
        rates.set(channelId, channel ? sendRateOf(channel.kind, channel.settings) : 0);
      }
      return rates.get(channelId)!;
    };
    const outcomes: Record<string, number> = {};
    for (;;) {
      if (options.signal?.aborted || Date.now() - started > budget) break;
      const due = await database.withTenant(tenantId, (tx) =>
        tx
          .select({ id: messages.id, channelId: messages.channelId })
          .from(messages)
          .where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'), or(isNull(messages.nextAttemptAt), lte(messages.nextAttemptAt, sql`now()`))))
          .orderBy(asc(messages.createdAt))
          .limit(DRAIN_BATCH),
      );
      if (due.length === 0) break;
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < due.length; i = next++) {
          const message = due[i]!;
          const rate = await rateOf(message.channelId);
          // A channel that cannot send (listen-only, removed) fails in `send` with its reason.
          for (let wait = rate > 0 ? await takeSendToken(database, { tenantId, channelId: message.channelId, perSecond: rate }) : 0; wait > 0; ) {
            await new Promise((r) => setTimeout(r, Math.ceil(wait * 1000)));
            wait = await takeSendToken(database, { tenantId, channelId: message.channelId, perSecond: rate });
          }
          try {
            const result = await send(tenantId, message.id);
            outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
          } catch (err) {
            logger.error({ err, messageId: message.id }, 'sending a message failed unexpectedly; it stays queued');
            outcomes.error = (outcomes.error ?? 0) + 1;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(DRAIN_CONCURRENCY, due.length) }, worker));
    }
    // What is left (a retry waiting for its time, or more than the budget allowed) gets another drain.
    const [left] = await database.withTenant(tenantId, (tx) =>
      tx
        .select({ n: sql<number>`count(*)::int`, inSeconds: sql<number | null>`ceil(extract(epoch from min(coalesce(${messages.nextAttemptAt}, now())) - now()))::int` })
        .from(messages)
        .where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'))),
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
        // messages behind with nothing to send them: give the tenant a drain again.
        const [queued] = await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'queued'))).limit(1);
        if (queued) await jobs.enqueue(drainJob, {}, { tenantId, tx, singletonKey: tenantId });
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

  return { queue, send, drain, sweep, sendJob, drainJob, sweepJob };
}

export type Outbound = ReturnType<typeof createOutbound>;
