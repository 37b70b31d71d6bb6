import { hash, timingSafeEqual } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import { deferAfterCommit } from '../../platform/db/after-commit';
import { AppError } from '../../platform/errors';
import { defineJob } from '../../platform/jobs/queue';
import { channelAccounts, inboundEvents, type ChannelKind } from './channels.tables';
import { createInboundStore, type CachedChannel } from './inbound-store';
import { verifyMetaSignature } from './whatsapp-cloud/signature';
import { MalformedPayload, parseWhatsAppWebhook, toInboundItems } from './whatsapp-cloud/payload';
import type { InboundItem } from './inbound-items';
import { blueBubblesEventKey, parseBlueBubblesEvent } from './bluebubbles/payload';
import { parseSandboxEvent } from './sandbox/sandbox.events';
import { parseStoredEvent as parseWhatsAppWebEvent } from './whatsapp-web/whatsapp-web.inbound';

const KEPT_HEADERS = ['content-type', 'x-hub-signature-256', 'user-agent'];
/**
 * Events processed per transaction by a drain (at most: it takes what is pending). Processing is
 * set-based, about 25 statements per batch whatever its size, so a backlog drains in big batches.
 */
const DRAIN_BATCH = 500;
/**
 * How long a drain job keeps looking for new events after the last ones, and how often (events
 * stored by this process wake it at once; the look finds those another process stored).
 */
const DRAIN_LINGER_MS = 1000;
const LINGER_POLL_MS = 25;
/** How long a webhook stored here makes another tenant's drain job hand over (see `waitingSince`). */
const HANDOVER_WINDOW_MS = 10_000;
/** Processing attempts before an event is dead-lettered. */
const MAX_ATTEMPTS = 5;
/**
 * Pending, written as a constant rather than a parameter: the pending index is partial (pending and
 * dead events only), and a plan made for any value of a parameter cannot use it. Once PostgreSQL
 * settled on such a generic plan for the drain's claim, every batch read all the tenant's stored
 * events, processed ones too, and sorted the pending ones on disk (60 ms a batch at 20,000 events).
 */
const pendingStatus = sql`${inboundEvents.status} = 'pending'`;

/** A provider webhook as the route hands it over. */
type WebhookRequest = { channelId: string; rawBody: Buffer; headers: Record<string, string | string[] | undefined> };
/** How a provider's webhooks are checked against their channel, and what a refusal says. */
type WebhookCheck<R extends WebhookRequest> = { kind: ChannelKind; verify(channel: CachedChannel, request: R): boolean; rejection: string };

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The inbound path: a webhook is verified, stored as received (exact bytes, one row per provider
 * event) and only then acknowledged; a drain job of the tenant processes it from the store, in
 * batches (one waiting drain per tenant, woken at once in this process). A duplicate delivery
 * finds its row already there and is acknowledged without scheduling anything. A payload that cannot be read is
 * kept and dead-lettered, never retried forever and never a crash. Storing is grouped: concurrent
 * webhooks of a tenant share one insert and one commit (see `createInboundStore`).
 */
export function createInboundService(deps: ModuleDeps & { secretsOf(row: { secrets: string | null }): Record<string, string> }) {
  const { database, jobs, events, secrets, logger } = deps;

  const storage = createInboundStore({
    database,
    decrypt: (row) => deps.secretsOf(row),
    // In the transaction that stores the events: they exist exactly when a drain of their tenant
    // is scheduled (one waiting drain per tenant at most; a running one picks up what arrives meanwhile).
    schedule: (connection, tenantId) => jobs.enqueue(drainJob, {}, { tenantId, connection, singletonKey: tenantId }),
    committed: (tenantId) => {
      arrived(tenantId);
      jobs.wake(drainJob);
    },
  });

  /**
   * The drains running in this process, by tenant: a commit of the store tells them at once, so a
   * lingering drain claims the new events without waiting for its next look (events another
   * process stored are still found by looking every LINGER_POLL_MS). `seq` counts the commits seen,
   * so one that lands between an empty claim and the wait is not missed.
   *
   * A drain job that hands over ends after its current batch, instead of lingering or going on,
   * once another tenant's events were stored here since its drain last started in this process
   * (`waitingSince`): this process's worker runs one drain job at a time, so that tenant's drain
   * waits for this one to end. Its successor is queued behind, at once, when events are left. An
   * arrival older than HANDOVER_WINDOW_MS is left out (another process drained it).
   */
  type Listener = { seq: number; wake: (() => void) | null; handOver: boolean };
  const draining = new Map<string, Set<Listener>>();
  const waitingSince = new Map<string, number>();
  const arrived = (tenantId: string) => {
    // A tenant whose drain runs here has its events taken by that drain.
    if (!waitingSince.has(tenantId) && !draining.has(tenantId)) {
      if (waitingSince.size >= 10_000) waitingSince.delete(waitingSince.keys().next().value!);
      waitingSince.set(tenantId, Date.now());
    }
    for (const [tenant, listeners] of draining) {
      for (const listener of listeners) {
        if (tenant === tenantId) listener.seq++;
        else if (!listener.handOver) continue;
        listener.wake?.();
      }
    }
  };
  const othersWaiting = (tenantId: string) => {
    for (const [tenant, since] of waitingSince) {
      if (Date.now() - since > HANDOVER_WINDOW_MS) waitingSince.delete(tenant);
      else if (tenant !== tenantId) return true;
    }
    return false;
  };
  const listen = (tenantId: string, handOver: boolean) => {
    const listener: Listener = { seq: 0, wake: null, handOver };
    waitingSince.delete(tenantId);
    const set = draining.get(tenantId) ?? new Set<Listener>();
    draining.set(tenantId, set.add(listener));
    const stop = () => {
      set.delete(listener);
      if (!set.size && draining.get(tenantId) === set) draining.delete(tenantId);
    };
    /** Resolves at the next commit after `seen` (at once if there was one already), or after `ms`. */
    const next = (seen: number, ms: number) =>
      listener.seq !== seen
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              listener.wake = null;
              resolve();
            };
            const timer = setTimeout(done, ms);
            listener.wake = done;
          });
    return { listener, next, stop };
  };

  async function channelFor(channelId: string, kind: ChannelKind, options: { fresh?: boolean } = {}): Promise<CachedChannel> {
    const found = await storage.channel(channelId, options);
    if (!found || found.row.kind !== kind) throw new AppError('not_found', 'Unknown webhook address');
    return found;
  }

  const keptHeaders = (headers: Record<string, string | string[] | undefined>) => {
    const kept: Record<string, string> = {};
    for (const h of KEPT_HEADERS) {
      const value = headers[h];
      if (typeof value === 'string') kept[h] = value;
    }
    return kept;
  };

  /**
   * Verifies a webhook against its channel, then stores it. The channel comes from a cache: when
   * the request fails the check, or the store finds the channel changed (a rotated secret, a deleted
   * account), it is read again from the database and the request checked once more against that.
   * The check is one of the provider checks below, made once: a webhook allocates no closures for it.
   */
  async function receive<R extends WebhookRequest>(check: WebhookCheck<R>, request: R, providerEventId: string) {
    let channel = await channelFor(request.channelId, check.kind);
    for (let fresh = false; ; fresh = true) {
      if (fresh) channel = await channelFor(request.channelId, check.kind, { fresh });
      if (!check.verify(channel, request)) {
        if (fresh) throw new AppError('invalid_signature', check.rejection);
        continue;
      }
      const outcome = await storage.store({
        tenantId: channel.row.tenant_id,
        channelId: request.channelId,
        providerEventId,
        body: request.rawBody,
        headers: keptHeaders(request.headers),
        fingerprint: channel.fingerprint,
      });
      if (outcome !== 'stale') return { stored: outcome === 'stored', duplicate: outcome === 'duplicate' };
      // Changed again between the fresh read and the insert: the provider retries later.
      if (fresh) throw new AppError('not_ready', 'The channel changed while the webhook was stored; retry');
    }
  }

  const whatsAppCheck: WebhookCheck<WebhookRequest> = {
    kind: 'whatsapp_cloud',
    verify: (channel, request) =>
      !!channel.appSecretKey && verifyMetaSignature({ rawBody: request.rawBody, header: request.headers['x-hub-signature-256'], appSecret: channel.appSecretKey }),
    rejection: 'Invalid X-Hub-Signature-256',
  };
  const blueBubblesCheck: WebhookCheck<WebhookRequest & { secret: string }> = {
    kind: 'bluebubbles',
    verify: (channel, request) => !!channel.row.webhook_secret_hash && secrets.verifyToken(request.secret, channel.row.webhook_secret_hash),
    rejection: 'Unknown webhook address',
  };

  /** An event that needs no verification (LeadMaster read or made it): stored once per provider event id. */
  async function storeTrusted(options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }) {
    const outcome = await storage.store({ tenantId: options.tenantId, channelId: options.channelId, providerEventId: options.providerEventId, body: options.rawBody, headers: {}, fingerprint: null });
    return { stored: outcome === 'stored', duplicate: outcome !== 'stored' };
  }

  /** Meta's subscription handshake: echo `hub.challenge` when the verify token matches. */
  async function whatsappHandshake(options: { channelId: string; mode?: string; token?: string; challenge?: string }) {
    const channel = await channelFor(options.channelId, 'whatsapp_cloud', { fresh: true });
    const verifyToken = channel.secrets.verifyToken ?? '';
    if (options.mode !== 'subscribe' || !options.token || !verifyToken || !sameText(options.token, verifyToken)) {
      throw new AppError('forbidden', 'Verification token mismatch');
    }
    return options.challenge ?? '';
  }

  function receiveWhatsApp(request: WebhookRequest) {
    // Meta sends no delivery id and retries the same bytes: the body's hash identifies the delivery.
    // One-shot `hash` (no Hash object): half the CPU of createHash's update and digest.
    return receive(whatsAppCheck, request, `sha256:${hash('sha256', request.rawBody, 'hex')}`);
  }

  async function receiveBlueBubbles(options: WebhookRequest & { secret: string }) {
    let providerEventId = `sha256:${hash('sha256', options.rawBody, 'hex')}`;
    try {
      const body = JSON.parse(options.rawBody.toString('utf8')) as { type?: unknown; data?: unknown };
      // The same key the reconciliation poll uses, so a message both see is stored once.
      providerEventId = blueBubblesEventKey(body?.type, body?.data, options.rawBody);
    } catch {
      // Stored as it is; the processor dead-letters it.
    }
    return receive(blueBubblesCheck, options, providerEventId);
  }

  /** A message read off a WhatsApp Web session: stored like a webhook (once per message id), processed from the store. */
  async function receiveWhatsAppWeb(options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }) {
    return storeTrusted(options);
  }

  /**
   * An event LeadMaster read or made itself (the BlueBubbles reconciliation poll, the Sandbox's
   * simulated statuses and replies): stored under its provider event id and processed exactly like a webhook.
   */
  async function storeEvent(options: { tenantId: string; channelId: string; providerEventId: string; rawBody: Buffer }) {
    return storeTrusted(options);
  }

  /** Processes one stored event in its own transaction (what a failed batch falls back to). */
  async function process(options: { tenantId: string; eventId: string }) {
    const { tenantId, eventId } = options;
    return database.withTenant(tenantId, async (tx) => {
      const [event] = await withKind(tx)
        .where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.id, eventId)))
        .for('update', { of: inboundEvents });
      if (!event || event.e.status === 'processed' || event.e.status === 'dead') return event?.e.status ?? 'missing';
      return (await processEvents(tx, tenantId, [event])).get(eventId)!;
    });
  }

  type StoredEvent = { e: typeof inboundEvents.$inferSelect; kind: ChannelKind };
  /**
   * Stored events with their channel's kind (which parser reads them). The kind is a sub-select, not
   * a join: the claim below then reads inbound_events alone, in the order of its pending index.
   */
  const withKind = (tx: Tx) =>
    tx
      .select({
        e: inboundEvents,
        kind: sql<ChannelKind>`(select ${channelAccounts.kind} from ${channelAccounts} where ${channelAccounts.tenantId} = ${inboundEvents.tenantId} and ${channelAccounts.id} = ${inboundEvents.channelId})`,
      })
      .from(inboundEvents);

  /**
   * Processes stored events in the caller's transaction, as one batch: parses each (an unreadable
   * one is dead-lettered), records account updates, hands each event's items to the modules
   * (`channels.inbound` per event, then `channels.inbound-batch` once: messaging writes contacts,
   * conversations and messages set-based from it), and marks
   * them all with one statement. Returns each event's new status.
   */
  async function processEvents(tx: Tx, tenantId: string, batch: StoredEvent[]) {
    const outcome = new Map<string, { status: 'processed' | 'ignored' | 'dead'; error: string | null }>();
    const parsed: { eventId: string; channelId: string; kind: ChannelKind; items: InboundItem[] }[] = [];
    for (const event of batch) {
      const eventId = event.e.id;
      let items: InboundItem[];
      try {
        if (event.kind === 'whatsapp_cloud') items = toInboundItems(parseWhatsAppWebhook(event.e.body));
        else if (event.kind === 'whatsapp_web') items = parseWhatsAppWebEvent(event.e.body);
        else if (event.kind === 'bluebubbles') items = parseBlueBubblesEvent(event.e.body, event.e.receivedAt);
        else if (event.kind === 'sandbox') items = parseSandboxEvent(event.e.body);
        else throw new MalformedPayload(`no parser for ${event.kind} events`);
      } catch (err) {
        const reason = err instanceof MalformedPayload ? err.message : `unreadable: ${(err as Error).message}`;
        logger.warn({ eventId, channelId: event.e.channelId, reason }, 'inbound webhook dead-lettered');
        outcome.set(eventId, { status: 'dead', error: reason });
        continue;
      }
      // Account-level updates (number quality, messaging tier, template status) are the channel's own.
      const account = items.filter((i) => i.kind === 'account');
      if (account.length) {
        const state = Object.fromEntries(account.map((a) => [a.field, { ...a.value, receivedAt: event.e.receivedAt.toISOString() }]));
        await tx
          .update(channelAccounts)
          .set({ providerState: sql`${channelAccounts.providerState} || ${JSON.stringify(state)}::jsonb` })
          .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, event.e.channelId)));
      }
      outcome.set(eventId, { status: items.length ? 'processed' : 'ignored', error: null });
      if (items.length) parsed.push({ eventId, channelId: event.e.channelId, kind: event.kind, items });
    }
    for (const e of parsed) await events.emit(tx, 'channels.inbound', { tenantId, ...e });
    if (parsed.length) await events.emit(tx, 'channels.inbound-batch', { tenantId, events: parsed });
    // The last statements of the batch: their time (not the transaction's start) is when the
    // messages were stored. One statement per outcome (usually one for the whole batch); `id = any`
    // reads the primary key whatever the planner believes of the table's size.
    const groups = new Map<string, { status: string; error: string | null; ids: string[] }>();
    for (const [id, o] of outcome) {
      const key = `${o.status}\u0000${o.error ?? ''}`;
      const group = groups.get(key) ?? { status: o.status, error: o.error, ids: [] };
      group.ids.push(id);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      await tx.execute(sql`
        update ${inboundEvents} set status = ${g.status}, error = ${g.error}, processed_at = clock_timestamp(), attempts = attempts + 1
         where tenant_id = ${tenantId} and id = any(${sql.param(g.ids)}::uuid[])`);
    }
    return new Map([...outcome].map(([id, o]) => [id, o.status]));
  }

  /** A processing attempt failed (its transaction rolled back): count it; the fifth is the last. */
  async function recordFailure(tenantId: string, eventId: string, err: unknown) {
    const message = (err as Error)?.message ?? String(err);
    logger.error({ err, eventId }, 'inbound event processing failed');
    await database.withTenant(tenantId, (tx) =>
      tx
        .update(inboundEvents)
        .set({
          attempts: sql`${inboundEvents.attempts} + 1`,
          error: message.slice(0, 2000),
          // For a pending event, the time of its last failed attempt (the retry backoff counts from it).
          processedAt: new Date(),
          status: sql`case when ${inboundEvents.attempts} + 1 >= ${MAX_ATTEMPTS} then 'dead' else 'pending' end`,
        })
        .where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.id, eventId), eq(inboundEvents.status, 'pending'))),
    );
  }

  /**
   * Processes a tenant's pending events, oldest first, a batch per transaction; a batch that fails
   * is retried one event per transaction so one bad event holds up nobody else. Failed events are
   * retried with backoff (2, 4, 8, 16 s) and dead-lettered at the fifth failure.
   */
  async function drain(tenantId: string, options: { budgetMs?: number; signal?: AbortSignal; lingerMs?: number; pollMs?: number; handOver?: boolean } = {}) {
    const started = Date.now();
    const budget = options.budgetMs ?? 20_000;
    const linger = options.lingerMs ?? 0;
    const poll = options.pollMs ?? LINGER_POLL_MS;
    let processed = 0;
    let lastWork = Date.now();
    // A batch's realtime events (loading its conversations, one NOTIFY) are published after its
    // commit while the next batch is processed, in commit order: `publishing` is the chain of every
    // batch's publishing, `published` the chain without the latest batch. A batch starts only once
    // the batches before the previous one are published (one batch's publishing at most overlaps
    // processing), and the drain returns only once all of it is published.
    let publishing: Promise<void> = Promise.resolve();
    let published: Promise<void> = Promise.resolve();
    const arrivals = listen(tenantId, options.handOver ?? false);
    const handsOver = () => (options.handOver ?? false) && othersWaiting(tenantId);
    // A job told to stop (the process shuts down) stops lingering at once.
    const onAbort = () => arrivals.listener.wake?.();
    options.signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (options.signal?.aborted) break;
        await published;
        const seen = arrivals.listener.seq;
        let claimed: string[] = [];
        let oldest: Date | null = null;
        const claimedAt = Date.now();
        try {
          // Claimed and processed in one transaction: the oldest pending events that are due.
          claimed = await database.withTenant(tenantId, async (tx) => {
            const batch = await withKind(tx)
              .where(
                and(
                  eq(inboundEvents.tenantId, tenantId),
                  pendingStatus,
                  sql`(${inboundEvents.attempts} = 0 or ${inboundEvents.processedAt} < now() - make_interval(secs => power(2, ${inboundEvents.attempts})))`,
                ),
              )
              .orderBy(inboundEvents.receivedAt)
              .limit(DRAIN_BATCH)
              .for('update', { of: inboundEvents, skipLocked: true });
            claimed = batch.map((b) => b.e.id);
            oldest = batch[0]?.e.receivedAt ?? null;
            if (batch.length) {
              deferAfterCommit(tx, (run) => {
                const committedAt = Date.now();
                published = publishing;
                publishing = publishing.then(run).then(() => {
                  logger.debug({ tenantId, events: claimed.length, waitedMs: oldest ? claimedAt - oldest.getTime() : null, processMs: committedAt - claimedAt, publishMs: Date.now() - committedAt }, 'inbound batch published');
                });
              });
              await processEvents(tx, tenantId, batch);
            }
            return claimed;
          });
        } catch (err) {
          if (!claimed.length) throw err;
          logger.warn({ err, tenantId, events: claimed.length }, 'inbound batch failed; processing its events one by one');
          // Their events are published as each commits: after everything before them.
          await publishing;
          for (const id of claimed) {
            try {
              await process({ tenantId, eventId: id });
            } catch (err) {
              await recordFailure(tenantId, id, err);
            }
          }
        }
        if (claimed.length === 0) {
          // While webhooks keep coming, wait for the next ones here rather than hand over to a new job
          // (a job's turnaround, when its wake-up is missed, is a poll of up to half a second). A
          // webhook stored by this process wakes the wait at once.
          if (Date.now() - lastWork >= linger || Date.now() - started > budget || options.signal?.aborted || handsOver()) break;
          await arrivals.next(seen, poll);
          continue;
        }
        lastWork = Date.now();
        processed += claimed.length;
        if (Date.now() - started > budget || handsOver()) break;
      }
    } finally {
      arrivals.stop();
      options.signal?.removeEventListener('abort', onAbort);
      await publishing;
    }
    // Events waiting for a retry, or more than the budget allowed: another drain comes for them
    // (at once for events not tried yet: it is queued behind this one and this process's worker woken).
    const [waiting] = await database.withTenant(tenantId, (tx) =>
      tx
        .select({
          n: sql<number>`count(*)::int`,
          retryIn: sql<number | null>`ceil(min(case when ${inboundEvents.attempts} = 0 then 0 else extract(epoch from ${inboundEvents.processedAt} + make_interval(secs => power(2, ${inboundEvents.attempts})) - now()) end))::int`,
        })
        .from(inboundEvents)
        .where(and(eq(inboundEvents.tenantId, tenantId), pendingStatus)),
    );
    if (waiting && waiting.n > 0) {
      const retryIn = waiting.retryIn ?? 1;
      await jobs.enqueue(drainJob, {}, { tenantId, singletonKey: tenantId, ...(retryIn > 0 ? { startAfterSeconds: retryIn } : {}) });
      if (retryIn <= 0) jobs.wake(drainJob);
    }
    return { processed, pending: waiting?.n ?? 0 };
  }

  const drainJob = defineJob({
    name: 'channels.drain-inbound',
    payload: z.object({}).loose(),
    policy: 'stately',
    retryLimit: 5,
    retryDelaySeconds: 2,
    async run(_payload, ctx) {
      return drain(ctx.tenantId!, { signal: ctx.signal, lingerMs: DRAIN_LINGER_MS, handOver: true });
    },
  });

  const processJob = defineJob({
    name: 'channels.process-inbound',
    payload: z.object({ eventId: z.uuid() }),
    retryLimit: 5,
    retryDelaySeconds: 2,
    async run(payload, ctx) {
      return { status: await process({ tenantId: ctx.tenantId!, eventId: payload.eventId }) };
    },
  });

  return { whatsappHandshake, receiveWhatsApp, receiveBlueBubbles, receiveWhatsAppWeb, storeEvent, process, drain, processJob, drainJob };
}
