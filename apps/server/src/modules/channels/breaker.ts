import { and, eq, sql } from 'drizzle-orm';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import { ChannelSendError, type ChannelAdapter, type OutboundSend } from './adapters/adapter';
import { channelSendGuards, type BreakerState, type ChannelKind } from './channels.tables';
import { equalsAny } from '../../platform/db/equals-any';

/** Provider faults in a row (no success between them) that open the breaker. */
export const BREAKER_THRESHOLD = 5;
/** The first cool-down; it doubles with each opening in a row, up to the maximum, ±20 % jitter. */
export const BREAKER_COOLDOWN_SECONDS = 5;
const BREAKER_MAX_COOLDOWN_SECONDS = 300;
/** How long the one probe send owns the half-open breaker before another may try. */
const PROBE_LEASE_SECONDS = 60;
/** How soon a send held back by a probe in flight looks again. */
const PROBE_WAIT_SECONDS = 2;
/** How stale a process's view of a closed breaker may be: one read per channel per this, not one per send. */
const VIEW_MS = 250;

/** Codes that say the provider (not the recipient, not the content) is failing: what the breaker counts. */
const TRANSPORT_FAULTS = new Set(['timeout', 'timeout_after_send', 'unreachable', 'connection_lost_after_send', 'interrupted_after_send', 'transport_error', '130429', 'http_429']);

/**
 * Whether a failed send counts against the channel account: timeouts and dropped connections,
 * HTTP 5xx, 429 and WhatsApp's 130429 throughput error, Graph's transient errors. A recipient's
 * own problem (131026, 131049, 131056) or a refused message (a bad template) does not: the next
 * send to someone else would go through.
 */
export function isProviderFault(err: ChannelSendError): boolean {
  if (err.deferred) return false;
  if (TRANSPORT_FAULTS.has(err.code) || /^http_5\d\d$/.test(err.code)) return true;
  return err.retryable && err.action === 'backoff' && /^\d+$/.test(err.code);
}

export type SendGuardView = { state: BreakerState; failures: number; retryAt: Date | null; lastError: string | null; changedAt: Date | null; dayCount: number; dayStartedAt: Date | null };

/** What the plan and the campaign page show of a channel's breaker. */
export async function sendGuardsOf(tx: Tx, tenantId: string, channelIds: string[]): Promise<Map<string, SendGuardView>> {
  if (channelIds.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(channelSendGuards)
    .where(and(eq(channelSendGuards.tenantId, tenantId), equalsAny(channelSendGuards.channelId, channelIds)));
  return new Map(rows.map((r) => [r.channelId, { state: r.breakerState, failures: r.failures, retryAt: r.retryAt, lastError: r.lastError, changedAt: r.changedAt, dayCount: r.dayCount, dayStartedAt: r.dayStartedAt }]));
}

/** A BlueBubbles line's daily cap (300 by default): iMessage bans lines that send too much in a day. */
export function dailyCapOf(kind: ChannelKind | string, settings: Record<string, unknown>): number | null {
  if (kind !== 'bluebubbles') return null;
  const cap = settings.dailyCap;
  return typeof cap === 'number' && Number.isFinite(cap) && cap > 0 ? Math.floor(cap) : 300;
}

type Channel = { tenantId: string; channelId: string; kind: ChannelKind | string; settings: Record<string, unknown> };
type Admission = { ok: true; probe: boolean } | { ok: false; until: Date; reason: 'breaker_open' | 'daily_cap' };

/**
 * The circuit breaker and daily cap of every channel account, kept in `channel_send_guards` so
 * that all workers of all processes share them (decision 0021). Each process keeps a view of a
 * channel's row at most VIEW_MS old for the common case (closed, nothing to do); every change of
 * state (opening, taking the one probe, closing) is a compare-and-set on the row itself.
 *
 * Sends go through `guard(adapter)`: while the breaker is open a send is refused before it
 * reaches the provider with a `deferred` ChannelSendError (the outbound path puts the message
 * back in the queue for `retryAfterSeconds`, without counting an attempt); after the cool-down one
 * send is let through as a probe; its success closes the breaker, its failure opens it again for
 * twice as long.
 */
export function createSendGuards(deps: Pick<ModuleDeps, 'database' | 'events' | 'logger'>) {
  const { database, events, logger } = deps;
  const views = new Map<string, { at: number; state: BreakerState; failures: number; retryAt: number | null }>();
  const key = (c: { tenantId: string; channelId: string }) => `${c.tenantId}:${c.channelId}`;
  const remember = (c: { tenantId: string; channelId: string }, row: { breakerState: BreakerState; failures: number; retryAt: Date | null } | undefined) => {
    const view = { at: Date.now(), state: row?.breakerState ?? 'closed', failures: row?.failures ?? 0, retryAt: row?.retryAt?.getTime() ?? null };
    views.set(key(c), view);
    return view;
  };

  const refreshing = new Map<string, Promise<ReturnType<typeof remember>>>();
  function read(c: Channel) {
    const k = key(c);
    let pending = refreshing.get(k);
    if (!pending) {
      pending = database
        .withTenant(c.tenantId, (tx) =>
          tx
            .select({ breakerState: channelSendGuards.breakerState, failures: channelSendGuards.failures, retryAt: channelSendGuards.retryAt })
            .from(channelSendGuards)
            .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId))),
        )
        .then(([row]) => remember(c, row))
        .finally(() => refreshing.delete(k));
      refreshing.set(k, pending);
    }
    return pending;
  }

  /**
   * This process's view of the channel's row. A closed breaker's view a little past VIEW_MS is
   * still answered at once while a fresh one is read in the background: a send is never held up by
   * the read (holding up one send of an evenly paced stream lets the next catch up with it).
   */
  async function viewOf(c: Channel, fresh = false) {
    const cached = views.get(key(c));
    const age = cached ? Date.now() - cached.at : Infinity;
    if (!fresh && cached && age < VIEW_MS) return cached;
    if (!fresh && cached && cached.state === 'closed' && age < VIEW_MS * 8) {
      void read(c).catch((err) => logger.error({ err, channelId: c.channelId }, 'reading a channel breaker failed'));
      return cached;
    }
    return read(c);
  }

  const transition = (tx: Tx, c: Channel, state: BreakerState, details: { retryAt: Date | null; error: string | null }) =>
    events.emit(tx, 'channels.breaker-changed', { tenantId: c.tenantId, channelId: c.channelId, state, retryAt: details.retryAt, error: details.error });

  /** Whether a send may go now: the breaker (taking the probe when its cool-down is over), then the daily cap. */
  async function admit(c: Channel): Promise<Admission> {
    let probe = false;
    const view = await viewOf(c);
    if (view.state !== 'closed') {
      // While the probe is out, look again soon: its success closes the breaker for everyone.
      if (view.state === 'half_open' && view.retryAt !== null && view.retryAt > Date.now()) return { ok: false, until: new Date(Math.min(view.retryAt, Date.now() + PROBE_WAIT_SECONDS * 1000)), reason: 'breaker_open' };
      if (view.retryAt !== null && view.retryAt > Date.now()) return { ok: false, until: new Date(view.retryAt), reason: 'breaker_open' };
      // The cool-down is over (or the last probe's lease ran out): one sender, of all processes, probes.
      const [taken] = await database.withTenant(c.tenantId, (tx) =>
        tx
          .update(channelSendGuards)
          .set({ breakerState: 'half_open', retryAt: sql`now() + make_interval(secs => ${PROBE_LEASE_SECONDS})`, changedAt: sql`now()` })
          .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId), sql`${channelSendGuards.breakerState} <> 'closed'`, sql`${channelSendGuards.retryAt} <= now()`))
          .returning(),
      );
      if (!taken) {
        const now = await viewOf(c, true);
        if (now.state === 'half_open') return { ok: false, until: new Date(Date.now() + PROBE_WAIT_SECONDS * 1000), reason: 'breaker_open' };
        if (now.state !== 'closed') return { ok: false, until: new Date(Math.max(now.retryAt ?? 0, Date.now() + 1000)), reason: 'breaker_open' };
      } else {
        remember(c, taken);
        probe = true;
        logger.info({ tenantId: c.tenantId, channelId: c.channelId }, 'channel breaker half-open: sending one probe');
      }
    }
    const cap = dailyCapOf(c.kind, c.settings);
    if (cap !== null) {
      const rolled = sql`(${channelSendGuards.dayStartedAt} is null or ${channelSendGuards.dayStartedAt} <= now() - interval '1 day')`;
      const [counted] = await database.withTenant(c.tenantId, (tx) =>
        tx
          .insert(channelSendGuards)
          .values({ tenantId: c.tenantId, channelId: c.channelId, dayStartedAt: sql`now()`, dayCount: 1 })
          .onConflictDoUpdate({
            target: [channelSendGuards.tenantId, channelSendGuards.channelId],
            set: { dayStartedAt: sql`case when ${rolled} then now() else ${channelSendGuards.dayStartedAt} end`, dayCount: sql`case when ${rolled} then 1 else ${channelSendGuards.dayCount} + 1 end` },
            setWhere: sql`${rolled} or ${channelSendGuards.dayCount} < ${cap}::int`,
          })
          .returning({ dayCount: channelSendGuards.dayCount }),
      );
      if (!counted) {
        const [row] = await database.withTenant(c.tenantId, (tx) =>
          tx
            .select({ until: sql<string>`${channelSendGuards.dayStartedAt} + interval '1 day'` })
            .from(channelSendGuards)
            .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId))),
        );
        // A probe that was not sent gives its lease back.
        if (probe) await reopen(c, 'daily cap reached before the probe', 0);
        return { ok: false, until: new Date(row?.until ?? Date.now() + 60_000), reason: 'daily_cap' };
      }
    }
    return { ok: true, probe };
  }

  /** A send went through: a breaker that had failures (or was probing) is closed again. */
  async function succeeded(c: Channel) {
    const view = await viewOf(c);
    if (view.state === 'closed' && view.failures === 0) return;
    await database.withTenant(c.tenantId, async (tx) => {
      const [before] = await tx
        .select({ state: channelSendGuards.breakerState })
        .from(channelSendGuards)
        .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId)))
        .for('update');
      if (!before) return;
      const [row] = await tx
        .update(channelSendGuards)
        .set({ breakerState: 'closed', failures: 0, openings: 0, retryAt: null, ...(before.state !== 'closed' ? { changedAt: sql`now()` } : {}) })
        .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId)))
        .returning();
      remember(c, row);
      if (before.state !== 'closed') {
        logger.info({ tenantId: c.tenantId, channelId: c.channelId }, 'channel breaker closed: the provider answers again');
        await transition(tx, c, 'closed', { retryAt: null, error: null });
      }
    });
  }

  /**
   * Opens the breaker (from any state) for the next cool-down, never sooner than the provider's
   * own Retry-After. `minSeconds` 0 with no failure: the probe's lease given back.
   */
  async function reopen(c: Channel, error: string, minSeconds: number) {
    await database.withTenant(c.tenantId, async (tx) => {
      const cooldown = sql`greatest(${minSeconds}::float8, least(${BREAKER_MAX_COOLDOWN_SECONDS}::float8, ${BREAKER_COOLDOWN_SECONDS}::float8 * power(2, ${channelSendGuards.openings})) * (0.8 + random() * 0.4))`;
      const [row] = await tx
        .update(channelSendGuards)
        .set({ breakerState: 'open', openings: sql`${channelSendGuards.openings} + 1`, retryAt: sql`now() + make_interval(secs => ${cooldown})`, changedAt: sql`now()`, lastError: error.slice(0, 500) })
        .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId)))
        .returning();
      remember(c, row);
      if (row) await transition(tx, c, 'open', { retryAt: row.retryAt, error: row.lastError });
    });
  }

  /** A send failed: a provider fault counts, and the threshold (or a failed probe) opens the breaker. */
  async function failed(c: Channel, err: ChannelSendError) {
    if (!isProviderFault(err)) return;
    const message = `${err.code}: ${err.message}`.slice(0, 500);
    await database.withTenant(c.tenantId, async (tx) => {
      const [row] = await tx
        .insert(channelSendGuards)
        .values({ tenantId: c.tenantId, channelId: c.channelId, failures: 1, lastError: message })
        .onConflictDoUpdate({ target: [channelSendGuards.tenantId, channelSendGuards.channelId], set: { failures: sql`${channelSendGuards.failures} + 1`, lastError: message } })
        .returning();
      remember(c, row);
      const opens = row!.breakerState === 'half_open' || (row!.breakerState === 'closed' && row!.failures >= BREAKER_THRESHOLD);
      if (!opens) return;
      const cooldown = sql`greatest(${err.retryAfterSeconds ?? 0}::float8, least(${BREAKER_MAX_COOLDOWN_SECONDS}::float8, ${BREAKER_COOLDOWN_SECONDS}::float8 * power(2, ${channelSendGuards.openings})) * (0.8 + random() * 0.4))`;
      const [opened] = await tx
        .update(channelSendGuards)
        .set({ breakerState: 'open', openings: sql`${channelSendGuards.openings} + 1`, retryAt: sql`now() + make_interval(secs => ${cooldown})`, changedAt: sql`now()` })
        .where(and(eq(channelSendGuards.tenantId, c.tenantId), eq(channelSendGuards.channelId, c.channelId), eq(channelSendGuards.breakerState, row!.breakerState)))
        .returning();
      if (!opened) return;
      remember(c, opened);
      logger.warn({ tenantId: c.tenantId, channelId: c.channelId, failures: opened.failures, retryAt: opened.retryAt, error: message }, 'channel breaker open: sends on this account wait');
      await transition(tx, c, 'open', { retryAt: opened.retryAt, error: message });
    });
  }

  /**
   * The adapter with the guard in front of `send`: refused (deferred) while the breaker is open or
   * the day's cap is spent, and every outcome counted.
   */
  function guard(adapter: ChannelAdapter, c: Channel): ChannelAdapter {
    const send = async (message: OutboundSend, options?: { signal?: AbortSignal }) => {
      const admission = await admit(c);
      if (!admission.ok) {
        const seconds = Math.max(1, Math.ceil((admission.until.getTime() - Date.now()) / 1000));
        throw new ChannelSendError({
          message: admission.reason === 'daily_cap' ? 'This line reached its daily cap: the message waits for the next day' : 'Sending on this account is on hold after repeated provider errors: the message waits',
          code: admission.reason === 'daily_cap' ? 'daily_cap_reached' : 'channel_breaker_open',
          retryable: true,
          deferred: true,
          retryAfterSeconds: seconds,
        });
      }
      try {
        const receipt = await adapter.send(message, options);
        await succeeded(c).catch((err) => logger.error({ err, channelId: c.channelId }, 'recording a send success in the breaker failed'));
        return receipt;
      } catch (err) {
        // A refusal about this message (a bad number, a template) still says the provider answers.
        if (err instanceof ChannelSendError) await (isProviderFault(err) ? failed(c, err) : succeeded(c)).catch((e) => logger.error({ err: e, channelId: c.channelId }, 'recording a send outcome in the breaker failed'));
        else if (admission.probe) await reopen(c, (err as Error).message ?? 'probe failed', 0).catch(() => undefined);
        throw err;
      }
    };
    return new Proxy(adapter, {
      get(target, prop, receiver) {
        if (prop === 'send') return send;
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  return { admit, succeeded, failed, guard, viewOf };
}

export type SendGuards = ReturnType<typeof createSendGuards>;
