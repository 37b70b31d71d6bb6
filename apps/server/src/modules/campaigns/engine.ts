import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { afterCommit } from '../../platform/db/after-commit';
import type { Tx } from '../../platform/db/database';
import type { DomainEventMap } from '../../platform/events/domain-events';
import type { ModuleDeps } from '../../platform/deps';
import { defineJob } from '../../platform/jobs/queue';
import { pushTo } from '../../platform/collections';
import { recordAudit, systemActor } from '../audit';
import { errorAction, pacingRateOf, STOPPED_TEMPLATE_STATUSES } from '../channels';
import type { Outbound } from '../messaging';
import { campaignRecipients, campaigns, recipientIsPending, type RecipientStatus } from './campaigns.tables';
import { audienceCondition, channelsByIds, countAudience, countOptedOut, gateData, materializeBatch, tenantSettings, type SlotPlan } from './campaigns.repository';
import { evaluateGate } from './gate';
import { effectiveDailyCap } from './limits';
import { renderTemplate, valuesOf } from './render';
import { nextOpening, recipientTimeZone } from './send-window';
import { findTemplate } from './templates.service';
import { computeStats, estimateEnd } from './stats';
import { startBlocker, templateOnChannels } from './template-readiness';
import { equalsAny } from '../../platform/db/equals-any';

type CampaignRow = typeof campaigns.$inferSelect;
type GateEntry = Awaited<ReturnType<typeof gateData>> extends Map<string, infer E> ? E : never;

/**
 * The send gate for one recipient on one number, as the claim and the resume of held messages ask
 * it (decision 0052): the same rules, from the same reads (`gateData`).
 */
function gateFor(entry: GateEntry, channel: { id: string; kind: string }, campaign: CampaignRow, whatsappTemplate: unknown, now: Date) {
  return evaluateGate(
    { ...entry.gate, lastInboundAt: entry.windows.get(channel.id) ?? null },
    { channelKind: channel.kind, requireValidated: campaign.requireValidated, minScore: campaign.minScore, frequencyCapDays: campaign.frequencyCapDays, hasWhatsAppTemplate: Boolean(channel.kind === 'whatsapp_cloud' && whatsappTemplate) },
    now,
  );
}

/** When the campaign's send window next opens for this recipient (in their zone); null when it is open now. */
function windowOpensLater(entry: GateEntry, campaign: CampaignRow, settings: { country: string; timezone: string }, now: Date): Date | null {
  if (!campaign.sendWindow) return null;
  const zone = recipientTimeZone({ attributes: entry.contact.attributes, phoneCountry: entry.contact.phoneCountry, tenantCountry: settings.country, tenantTimeZone: settings.timezone });
  const opens = nextOpening(campaign.sendWindow, zone, now);
  return opens > now ? opens : null;
}
/** Where a worker's claims got to in the campaign's pending index (due time, then contact). */
export type ClaimCursor = { dueAt: string; contactId: string };

const MATERIALIZE_BATCH = 20_000;
/** Ledger rows a claim takes at once: gated, rendered and queued in one transaction. */
const CLAIM_BATCH = 1000;
/**
 * A run queues at most this many seconds of its numbers' sends ahead of the outbound path (what is
 * already waiting on them counted): pause and cancel then have at most that much to take back,
 * and a number that stops sending (breaker, messaging limit) stops the claims (decision 0052).
 */
const AHEAD_SECONDS = 4;
/** ... and never more than this many messages, however fast the numbers (the count reads them). */
const MAX_AHEAD = 50_000;
/** How often (per campaign, per process) a claim judges the guard rails again. */
const GUARD_RAIL_CHECK_MS = 1000;
/** 131049: Meta limits marketing messages to this person; try again no sooner than a day later, once. */
const COOLDOWN_MS = 24 * 60 * 60 * 1000;
const MAX_ATTEMPTS = 2;
/** How soon a run that found only messages in flight looks again before completing the campaign. */
const IN_FLIGHT_RECHECK_SECONDS = 30;
/** A running campaign's counts are announced at most this often (see announceStats). */
const PROGRESS_STATS_MS = 2_000;
/** The guard rails judge no rate before this many sends (or the campaign's N, when smaller). */
const GUARD_RAIL_MIN_SAMPLE = 20;
/**
 * Meta's refusals of the campaign's template itself (its parameters or header no longer fit, it was
 * paused or disabled): the campaign pauses and the refused recipient waits for the resume.
 */
const TEMPLATE_REFUSAL_CODES = new Set(['132000', '132012', '132015', '132016']);
/** A status only moves forward (a late `delivered` never undoes `read`). */
const RANK: Record<string, number> = { pending: 0, queued: 1, ambiguous: 2, sent: 3, delivered: 4, read: 5, replied: 6 };

/** Where the first send of each channel account falls and how the next ones follow. */
export function slotPlan(campaign: Pick<CampaignRow, 'pacing' | 'perNumberRate' | 'dailyCap' | 'channelIds'>, options: { start: Date; total: number }): SlotPlan {
  const { pacing } = campaign;
  let interval = 0;
  let jitter = 0;
  switch (pacing.mode) {
    case 'fixed':
      interval = pacing.delaySeconds;
      break;
    case 'random':
      interval = (pacing.minSeconds + pacing.maxSeconds) / 2;
      jitter = Math.abs(pacing.maxSeconds - pacing.minSeconds);
      break;
    case 'spread':
      interval = (pacing.overHours * 3600) / Math.max(1, Math.ceil(options.total / campaign.channelIds.length));
      break;
  }
  if (campaign.perNumberRate) interval = Math.max(interval, 1 / campaign.perNumberRate);
  return { start: options.start, intervalSeconds: interval, jitterSeconds: jitter, dailyCap: campaign.dailyCap };
}

/**
 * The campaign engine: materialises the audience into the ledger, then claims due rows
 * (`FOR UPDATE SKIP LOCKED`, only while the campaign is running — checked in the claim itself),
 * runs the send gate again at send time, renders, and queues each message through the one durable
 * outbound path in the same transaction that marks the row. Outcomes come back as domain events.
 */
export function createEngine(deps: ModuleDeps & { outbound: Outbound }) {
  const { database, jobs, clock, bus, events, logger, outbound } = deps;

  const runJob = defineJob({
    name: 'campaigns.run',
    payload: z.object({ campaignId: z.uuid() }),
    // One waiting and one running run per campaign (singleton key = campaign id).
    policy: 'stately',
    retryLimit: 10,
    retryDelaySeconds: 2,
    async run(payload, ctx) {
      return run(ctx.tenantId!, payload.campaignId, { signal: ctx.signal });
    },
  });

  /**
   * Every minute, a run for each running campaign. A run schedules its own next one, but a run
   * whose retries were all spent by crashing workers would leave its campaign running for ever;
   * this one is dropped when a run is already waiting (`unlessWaiting`: not brought forward either).
   */
  const resumeJob = defineJob({
    name: 'campaigns.resume-runs',
    payload: z.object({}).loose(),
    cron: '* * * * *',
    async run() {
      const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
      let scheduled = 0;
      for (const { id: tenantId } of tenants) {
        scheduled += await database.withTenant(tenantId, async (tx) => {
          const running = await tx.select({ id: campaigns.id }).from(campaigns).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.status, 'running')));
          for (const c of running) await jobs.enqueue(runJob, { campaignId: c.id }, { tenantId, tx, singletonKey: c.id, unlessWaiting: true });
          return running.length;
        });
      }
      return { scheduled };
    },
  });

  /**
   * When the earliest send window of a resumed campaign's held messages opens: they are judged
   * again (releaseHeld), so that whoever opted out or was blacklisted while they waited is not
   * sent to; those whose window is still closed wait for the next opening. Only while the campaign
   * runs: a pause holds them again, a cancel withdraws them. One waiting per campaign, brought
   * forward to the earliest opening asked for.
   */
  const windowJob = defineJob({
    name: 'campaigns.release-at-window',
    payload: z.object({ campaignId: z.uuid() }),
    policy: 'stately',
    retryLimit: 10,
    retryDelaySeconds: 5,
    async run(payload, ctx) {
      return releaseAtWindow(ctx.tenantId!, payload.campaignId);
    },
  });

  async function releaseAtWindow(tenantId: string, campaignId: string) {
    return database.withTenant(tenantId, async (tx) => {
      const campaign = await loadCampaign(tx, tenantId, campaignId, 'share');
      if (campaign?.status !== 'running') return { released: 0 };
      return { released: await releaseHeld(tx, tenantId, campaignId) };
    });
  }

  /** Schedules a run of the campaign (in the caller's transaction) and wakes this process's workers. */
  async function scheduleRun(tx: Tx, options: { tenantId: string; campaignId: string; afterSeconds?: number }) {
    await jobs.enqueue(runJob, { campaignId: options.campaignId }, { tenantId: options.tenantId, tx, singletonKey: options.campaignId, ...(options.afterSeconds ? { startAfterSeconds: Math.ceil(options.afterSeconds) } : {}) });
    if (!options.afterSeconds) afterCommit(tx, () => jobs.wake(runJob));
  }

  const loadCampaign = async (tx: Tx, tenantId: string, campaignId: string, lock: boolean | 'share' = false) => {
    const q = tx.select().from(campaigns).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId)));
    const [row] = lock === 'share' ? await q.for('share') : lock ? await q.for('update') : await q;
    return row ?? null;
  };

  /**
   * The campaign's messages no drain has taken yet: among the tenant's queued campaign messages
   * (few: runs queue only AHEAD_SECONDS of sends), those of this campaign's ledger.
   */
  async function queuedMessagesOf(tx: Tx, tenantId: string, campaignId: string, options: { heldOnly?: boolean } = {}): Promise<string[]> {
    const candidates = await outbound.queuedCampaignMessages(tx, tenantId, options);
    if (candidates.length === 0) return [];
    const rows = await tx
      .select({ messageId: campaignRecipients.messageId })
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.tenantId, tenantId), equalsAny(campaignRecipients.messageId, candidates), eq(campaignRecipients.campaignId, campaignId)));
    return rows.map((r) => r.messageId!);
  }

  /**
   * What pause, resume and cancel do to the messages a run queued and no drain has taken yet, in the
   * transaction that changes the campaign's state (decision 0052): a pause holds them, a resume lets
   * them go, a cancel withdraws them (not sent) and puts their recipients back with those never
   * claimed. A claim holds the campaign's row FOR SHARE, so one under way when the state changes
   * commits first and its messages are among these.
   */
  async function holdQueued(tx: Tx, tenantId: string, campaignId: string) {
    return (await outbound.hold(tx, tenantId, await queuedMessagesOf(tx, tenantId, campaignId))).length;
  }
  /**
   * On resume the held messages are judged again as a claim would judge them now (the pause may
   * have lasted days): a recipient who opted out, was blacklisted or no longer passes the gate
   * meanwhile is skipped with the reason and their message withdrawn; one whose send window is
   * closed now stays held (`campaign_window`) and is judged again, by `windowJob`, when the
   * earliest of those windows opens (decision 0054); the rest go at once.
   */
  async function releaseHeld(tx: Tx, tenantId: string, campaignId: string) {
    const ids = await queuedMessagesOf(tx, tenantId, campaignId, { heldOnly: true });
    if (ids.length === 0) return 0;
    const campaign = await loadCampaign(tx, tenantId, campaignId);
    if (!campaign) return 0;
    const now = clock.now();
    const held = await tx
      .select({ contactId: campaignRecipients.contactId, channelId: campaignRecipients.channelId, messageId: campaignRecipients.messageId })
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId), equalsAny(campaignRecipients.messageId, ids)));
    const [template, channelList, settings, data] = await Promise.all([
      findTemplate(tx, tenantId, campaign.templateId),
      channelsByIds(tx, tenantId, campaign.channelIds),
      tenantSettings(tx, tenantId),
      gateData(tx, { tenantId, campaignId, contactIds: held.map((h) => h.contactId), channelIds: campaign.channelIds, frequencyCapDays: campaign.frequencyCapDays, now }),
    ]);
    const channels = new Map(channelList.map((c) => [c.id, c]));
    const goNow: string[] = [];
    const later: string[] = [];
    let opensFirst: Date | null = null;
    const skipped = new Map<string, { messageId: string; contactId: string }[]>();
    for (const h of held) {
      const entry = data.get(h.contactId);
      const channel = h.channelId ? channels.get(h.channelId) : undefined;
      const decision = !entry || !channel ? ({ send: false, reason: 'channel_unavailable' } as const) : gateFor(entry, channel, campaign, template?.whatsappTemplate, now);
      if (!decision.send) {
        pushTo(skipped, decision.reason, { messageId: h.messageId!, contactId: h.contactId });
        continue;
      }
      const opens = windowOpensLater(entry!, campaign, settings, now);
      if (!opens) goNow.push(h.messageId!);
      else {
        later.push(h.messageId!);
        if (!opensFirst || opens < opensFirst) opensFirst = opens;
      }
    }
    const released = (await outbound.release(tx, tenantId, goNow)).length;
    if ((await outbound.hold(tx, tenantId, later, 'window')).length > 0) {
      await jobs.enqueue(windowJob, { campaignId }, { tenantId, tx, singletonKey: campaignId, startAfterSeconds: Math.max(1, Math.ceil((opensFirst!.getTime() - now.getTime()) / 1000)) });
    }
    for (const [reason, rows] of skipped) {
      const withdrawn = await outbound.withdraw(tx, tenantId, rows.map((r) => r.messageId), { code: 'campaign_gate', message: `Not sent: when its campaign was resumed the contact no longer qualified (${reason})` });
      if (withdrawn.length === 0) continue;
      await tx
        .update(campaignRecipients)
        .set({ status: 'skipped', skipReason: reason, messageId: null })
        .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId), equalsAny(campaignRecipients.messageId, withdrawn)));
    }
    return released;
  }
  async function withdrawQueued(tx: Tx, tenantId: string, campaignId: string) {
    return withdraw(tx, tenantId, campaignId, await queuedMessagesOf(tx, tenantId, campaignId));
  }
  async function withdraw(tx: Tx, tenantId: string, campaignId: string, messageIds: string[]) {
    const withdrawn = await outbound.withdraw(tx, tenantId, messageIds, { code: 'campaign_cancelled', message: 'The campaign was cancelled before this message was sent' });
    if (withdrawn.length > 0) {
      await tx
        .update(campaignRecipients)
        .set({ status: 'pending', messageId: null })
        .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId), equalsAny(campaignRecipients.messageId, withdrawn)));
    }
    return withdrawn.length;
  }

  function publishProgress(tx: Tx, tenantId: string, data: Record<string, unknown>) {
    afterCommit(tx, () => bus.publish({ type: 'campaign.progress', tenantId, data }));
  }

  /**
   * Pauses a running campaign on the engine's own initiative and alerts the tenant's admins; with
   * `beforeStart`, a scheduled one whose time came but which may not start (it was never running).
   */
  async function autoPause(tx: Tx, options: { tenantId: string; campaignId: string; reason: string; details?: Record<string, unknown>; beforeStart?: boolean }) {
    const [row] = await tx
      .update(campaigns)
      .set({ status: 'paused', pausedReason: options.reason })
      .where(and(eq(campaigns.tenantId, options.tenantId), eq(campaigns.id, options.campaignId), eq(campaigns.status, options.beforeStart ? 'scheduled' : 'running')))
      .returning({ id: campaigns.id });
    if (!row) return false;
    if (!options.beforeStart) await holdQueued(tx, options.tenantId, options.campaignId);
    logger.warn({ tenantId: options.tenantId, campaignId: options.campaignId, reason: options.reason }, 'campaign paused automatically');
    await recordAudit(tx, {
      tenantId: options.tenantId,
      actor: systemActor,
      action: 'campaign.auto_paused',
      target: { type: 'campaign', id: options.campaignId },
      details: { reason: options.reason, ...(options.beforeStart ? { beforeStart: true } : {}), ...options.details },
    });
    const alert = { campaignId: options.campaignId, reason: options.reason, ...options.details };
    afterCommit(tx, () => bus.publish({ type: 'campaign.alert', tenantId: options.tenantId, data: alert }));
    publishProgress(tx, options.tenantId, { campaignId: options.campaignId, status: 'paused', pausedReason: options.reason });
    return true;
  }

  /** Per campaign (in this process), the recipients of the guard rails' sample once it is complete. */
  const guardRailSamples = new Map<string, string[]>();

  type PauseReason = { reason: string; details: Record<string, unknown> };

  /** The failure and opt-out rates of the first N sends; pauses the campaign past its thresholds. */
  async function checkGuardRails(tx: Tx, campaign: CampaignRow): Promise<boolean> {
    const breach = await guardRailBreach(tx, campaign);
    return breach ? autoPause(tx, { tenantId: campaign.tenantId, campaignId: campaign.id, ...breach }) : false;
  }

  /** Whether the first N sends' failure or opt-out rate passed the campaign's threshold, and which. */
  async function guardRailBreach(tx: Tx, campaign: CampaignRow): Promise<PauseReason | null> {
    const { firstN, maxFailureRate, maxOptOutRate } = campaign.guardRails;
    const known = guardRailSamples.get(campaign.id);
    const recipient = { contactId: campaignRecipients.contactId, status: campaignRecipients.status };
    const first = known
      ? await tx
          .select(recipient)
          .from(campaignRecipients)
          .where(and(eq(campaignRecipients.tenantId, campaign.tenantId), eq(campaignRecipients.campaignId, campaign.id), equalsAny(campaignRecipients.contactId, known)))
      : await tx
          .select(recipient)
          .from(campaignRecipients)
          .where(and(eq(campaignRecipients.tenantId, campaign.tenantId), eq(campaignRecipients.campaignId, campaign.id), isNotNull(campaignRecipients.queuedAt)))
          .orderBy(asc(campaignRecipients.queuedAt), asc(campaignRecipients.contactId))
          .limit(firstN);
    // Once N were queued the sample is fixed: later checks read those rows by key, not the first N of the ledger again.
    if (!known && first.length === firstN) {
      guardRailSamples.set(campaign.id, first.map((r) => r.contactId));
      if (guardRailSamples.size > 1000) guardRailSamples.delete(guardRailSamples.keys().next().value!);
    }
    if (first.length < Math.min(firstN, GUARD_RAIL_MIN_SAMPLE)) return null;
    const failureRate = first.filter((r) => r.status === 'failed').length / first.length;
    if (failureRate > maxFailureRate) return { reason: 'failure_rate', details: { rate: failureRate, sample: first.length } };
    const optOutRate = (await countOptedOut(tx, campaign.tenantId, first.map((r) => r.contactId))) / first.length;
    if (optOutRate > maxOptOutRate) return { reason: 'opt_out_rate', details: { rate: optOutRate, sample: first.length } };
    return null;
  }

  /** Writes the audience into the ledger a batch per transaction, resuming after the last contact written. */
  async function materialize(tenantId: string, campaignId: string) {
    let written = 0;
    // The ledger's size and the audience's, counted once (a resumed materialisation counts again)
    // and then carried from batch to batch: counting them per batch read the ledger over and over.
    let offset: number | null = null;
    let total: number | null = null;
    for (;;) {
      const done = await database.withTenant(tenantId, async (tx) => {
        const campaign = await loadCampaign(tx, tenantId, campaignId, true);
        if (!campaign || campaign.materializedAt) return true;
        const { country } = await tenantSettings(tx, tenantId);
        const where = await audienceCondition(tx, { tenantId, audience: campaign.audience, country });
        offset ??= (
          await tx
            .select({ n: sql<number>`count(*)::int` })
            .from(campaignRecipients)
            .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId)))
        )[0]?.n ?? 0;
        total ??= campaign.pacing.mode === 'spread' ? await countAudience(tx, where) : 0;
        // The numbers' WhatsApp messaging limits cap each day like the campaign's own cap does (limits.ts).
        const slots = slotPlan({ ...campaign, dailyCap: effectiveDailyCap(campaign.dailyCap, await channelsByIds(tx, tenantId, campaign.channelIds)) }, { start: campaign.launchedAt ?? clock.now(), total });
        const batch = await materializeBatch(tx, { tenantId, campaignId, where, afterId: campaign.materializeCursor, offset, limit: MATERIALIZE_BATCH, channelIds: campaign.channelIds, slots });
        written += batch.taken;
        offset += batch.inserted;
        const finished = batch.taken < MATERIALIZE_BATCH;
        await tx
          .update(campaigns)
          .set({ materializeCursor: batch.lastId ?? campaign.materializeCursor, ...(finished ? { materializedAt: clock.now() } : {}) })
          .where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId)));
        return finished;
      });
      if (done) return written;
    }
  }

  /**
   * Claims the due rows of one batch and queues their messages (or skips them), in one
   * transaction: the rows taken with FOR UPDATE SKIP LOCKED (only while the campaign is running —
   * checked in the claim itself; walking the partial index of pending rows, so finished rows are
   * never read again), their contacts, consent, conversations and frequency caps read in one query
   * each, the gate and the template applied in memory, the messages written by one insert
   * (outbound.queueMany) and the ledger by one update. A worker that dies before committing
   * leaves its rows pending for the next claim.
   */
  async function claimBatch(tenantId: string, campaignId: string, options: { limit?: number; after?: ClaimCursor | null } = {}): Promise<{ claimed: number; queued?: number; stopped: boolean; last?: ClaimCursor }> {
    const now = clock.now();
    // A pause this claim finds due is made after its transaction, in one of its own: this one holds
    // the campaign's row FOR SHARE, and upgrading that lock while a person's pause (or a drain's
    // auto-pause) waits to update the row would deadlock the two.
    const found: { pause: PauseReason | null } = { pause: null };
    const result = await database.withTenant(tenantId, async (tx): Promise<{ claimed: number; queued?: number; stopped: boolean; last?: ClaimCursor }> => {
      // The campaign, the tenant's settings and the claim go out together (postgres.js pipelines a
      // connection's queries): one round trip. The claim reads the campaign's state itself, so it
      // takes nothing from a campaign that is not running; rows it locked for a campaign found
      // stopped below are simply left pending at the end of the transaction.
      const claiming = tx
        .select({ contactId: campaignRecipients.contactId, channelId: campaignRecipients.channelId, attempts: campaignRecipients.attempts, dueAt: sql<string>`${campaignRecipients.dueAt}::text` })
        .from(campaignRecipients)
        .where(
          and(
            eq(campaignRecipients.tenantId, tenantId),
            eq(campaignRecipients.campaignId, campaignId),
            recipientIsPending,
            sql`${campaignRecipients.dueAt} <= ${now.toISOString()}::timestamptz`,
            // The cursor: past the rows this worker took already, so the index entries of rows
            // claimed before (dead until vacuum) are not walked again by every claim.
            options.after ? sql`(${campaignRecipients.dueAt}, ${campaignRecipients.contactId}) > (${options.after.dueAt}::timestamptz, ${options.after.contactId}::uuid)` : undefined,
            // Pause and cancel win over the next claim: the campaign's state is read by the claim itself.
            sql`exists (select 1 from ${campaigns} where ${campaigns.tenantId} = ${tenantId} and ${campaigns.id} = ${campaignId} and ${campaigns.status} = 'running')`,
          ),
        )
        .orderBy(asc(campaignRecipients.dueAt), asc(campaignRecipients.contactId))
        .limit(options.limit ?? CLAIM_BATCH)
        .for('update', { skipLocked: true });
      // The campaign's row is held FOR SHARE until the commit: a pause or cancel waits for this claim
      // and then takes back what it queued (holdQueued), rather than missing it.
      const [campaign, settings, claimedRows] = await Promise.all([loadCampaign(tx, tenantId, campaignId, 'share'), tenantSettings(tx, tenantId), claiming]);
      if (!campaign || campaign.status !== 'running') return { claimed: 0, stopped: true };
      found.pause = await guardRailsDue(tx, campaign);
      if (found.pause) return { claimed: 0, stopped: true };
      const rows = claimedRows;
      if (rows.length === 0) return { claimed: 0, stopped: false };

      const [template, channelList, data] = await Promise.all([
        findTemplate(tx, tenantId, campaign.templateId),
        channelsByIds(tx, tenantId, campaign.channelIds),
        gateData(tx, { tenantId, campaignId, contactIds: rows.map((r) => r.contactId), channelIds: campaign.channelIds, frequencyCapDays: campaign.frequencyCapDays, now }),
      ]);
      const channels = new Map(channelList.map((c) => [c.id, c]));
      for (const channel of channels.values()) {
        const reason = channelPauseReason(channel, template?.whatsappTemplate ?? null);
        if (reason) {
          found.pause = { reason, details: { channelId: channel.id } };
          return { claimed: 0, stopped: true };
        }
      }
      const media = (template?.media ?? []).map((m) => ({ blobId: m.blobId, providerMediaId: null, mimeType: m.mimeType, fileName: m.fileName, caption: null, voice: false }));

      // What becomes of each row, decided in memory; written below in one statement.
      const outcome = new Map<string, { status: RecipientStatus; skipReason?: string | null; dueAt?: Date; messageId?: string }>();
      const toQueue: { row: (typeof rows)[number]; message: Parameters<Outbound['queueMany']>[2][number] }[] = [];
      for (const row of rows) {
        const entry = data.get(row.contactId);
        const channel = row.channelId ? channels.get(row.channelId) : undefined;
        if (!entry || !channel || !template) {
          outcome.set(row.contactId, { status: 'skipped', skipReason: 'channel_unavailable' });
          continue;
        }
        const opens = windowOpensLater(entry, campaign, settings, now);
        if (opens) {
          outcome.set(row.contactId, { status: 'pending', dueAt: opens });
          continue;
        }
        const whatsappTemplate = channel.kind === 'whatsapp_cloud' ? template.whatsappTemplate : null;
        const decision = gateFor(entry, channel, campaign, whatsappTemplate, now);
        if (!decision.send) {
          outcome.set(row.contactId, { status: 'skipped', skipReason: decision.reason });
          continue;
        }
        const rendered = renderTemplate({ body: template.body, whatsappTemplate }, valuesOf(entry.contact));
        toQueue.push({
          row,
          message: { tenantId, contactId: row.contactId, channelId: channel.id, body: rendered.body, template: rendered.whatsappTemplate, media, source: 'campaign', createdBy: campaign.createdBy },
        });
      }
      const queuedResults = await outbound.queueMany(tx, tenantId, toQueue.map((q) => q.message), { announce: false });
      let queued = 0;
      toQueue.forEach((q, i) => {
        const result = queuedResults[i]!;
        if ('id' in result) {
          outcome.set(q.row.contactId, { status: 'queued', messageId: result.id });
          queued++;
        } else {
          // The outbound path has the last word on WhatsApp's window (a reply may have aged meanwhile).
          outcome.set(q.row.contactId, { status: 'skipped', skipReason: result.error === 'outside_whatsapp_window' ? 'outside_window' : 'channel_unavailable' });
        }
      });
      const attemptsOf = new Map(rows.map((r) => [r.contactId, r.attempts]));
      const list = [...outcome];
      const col = <T>(f: (e: (typeof list)[number]) => T) => sql.param(list.map(f));
      // Only the rows this transaction locked, and only while still pending: the claim's own rows.
      await tx.execute(sql`
        update ${campaignRecipients} r set
               status = v.status,
               skip_reason = case when v.status = 'skipped' then v.skip_reason else r.skip_reason end,
               due_at = coalesce(v.due_at::timestamptz, r.due_at),
               message_id = case when v.status = 'queued' then v.message_id else r.message_id end,
               queued_at = case when v.status = 'queued' then ${now.toISOString()}::timestamptz else r.queued_at end,
               attempts = case when v.status = 'queued' then v.attempts else r.attempts end,
               error_code = case when v.status = 'queued' then null else r.error_code end
          from unnest(${col(([id]) => id)}::uuid[], ${col(([, o]) => o.status)}::text[], ${col(([, o]) => o.skipReason ?? null)}::text[],
                      ${col(([, o]) => o.dueAt?.toISOString() ?? null)}::text[], ${col(([, o]) => o.messageId ?? null)}::uuid[],
                      ${col(([id]) => (attemptsOf.get(id) ?? 0) + 1)}::smallint[]) as v(contact_id, status, skip_reason, due_at, message_id, attempts)
         where r.tenant_id = ${tenantId} and r.campaign_id = ${campaignId} and r.contact_id = v.contact_id and r.status = 'pending'`);
      publishProgress(tx, tenantId, { campaignId, claimed: rows.length, queued });
      const last = rows.at(-1)!;
      return { claimed: rows.length, queued, stopped: false, last: { dueAt: last.dueAt, contactId: last.contactId } };
    });
    const pause = found.pause;
    if (pause) await database.withTenant(tenantId, (tx) => autoPause(tx, { tenantId, campaignId, ...pause }));
    return result;
  }

  /**
   * The guard rails, judged at most every GUARD_RAIL_CHECK_MS per campaign in this process (their
   * sample is the first N sends, which a batch rarely changes), and once the sample is settled only
   * through it: the first N recipients are remembered, not looked for again among a million rows.
   */
  const guardRailChecks = new Map<string, number>();
  async function guardRailsDue(tx: Tx, campaign: CampaignRow): Promise<PauseReason | null> {
    const now = clock.now().getTime();
    const last = guardRailChecks.get(campaign.id);
    if (last !== undefined && now - last < GUARD_RAIL_CHECK_MS && now >= last) return null;
    guardRailChecks.set(campaign.id, now);
    if (guardRailChecks.size > 1000) guardRailChecks.delete(guardRailChecks.keys().next().value!);
    return guardRailBreach(tx, campaign);
  }

  /** The checks a launch passed, made again when a scheduled campaign's time comes (template-readiness.ts, and the claim's own). */
  async function whyNotStart(tx: Tx, campaign: CampaignRow): Promise<{ reason: string; details: Record<string, unknown> } | null> {
    const [template, channels] = await Promise.all([findTemplate(tx, campaign.tenantId, campaign.templateId), channelsByIds(tx, campaign.tenantId, campaign.channelIds)]);
    if (!template) return { reason: 'template_removed', details: {} };
    for (const channel of channels) {
      const reason = channelPauseReason(channel, template.whatsappTemplate);
      if (reason) return { reason, details: { channelId: channel.id } };
    }
    return startBlocker({ channelIds: campaign.channelIds, channels, health: templateOnChannels(channels, template) });
  }

  /**
   * How many messages a run may queue now (decision 0052): AHEAD_SECONDS of the campaign's numbers'
   * paced rates (at most MAX_AHEAD), less the messages already waiting on those numbers (this
   * campaign's, another's, a person's). Unlimited for numbers that do not send (they fail each send
   * with the reason).
   */
  async function aheadAllowance(tenantId: string, campaignId: string): Promise<number> {
    return database.withTenant(tenantId, async (tx) => {
      const campaign = await loadCampaign(tx, tenantId, campaignId);
      if (!campaign) return 0;
      const channels = await channelsByIds(tx, tenantId, campaign.channelIds);
      const rate = channels.reduce((sum, c) => sum + pacingRateOf(c.kind, c.settings as Record<string, unknown>), 0);
      if (!(rate > 0)) return Number.POSITIVE_INFINITY;
      const cap = Math.min(MAX_AHEAD, Math.max(1, Math.ceil(rate * AHEAD_SECONDS)));
      return cap - (await outbound.backlog(tx, tenantId, campaign.channelIds, cap));
    });
  }

  /**
   * One run: starts a scheduled campaign that is due, materialises its audience, then claims batch
   * after batch until nothing is due (or the time budget is spent), and schedules the next run for
   * the next due row — or completes the campaign when no row is pending.
   */
  async function run(tenantId: string, campaignId: string, options: { budgetMs?: number; signal?: AbortSignal } = {}) {
    const started = Date.now();
    const budget = options.budgetMs ?? 20_000;
    const state = await database.withTenant(tenantId, async (tx) => {
      const campaign = await loadCampaign(tx, tenantId, campaignId, true);
      if (!campaign) return 'missing';
      if (campaign.status === 'scheduled') {
        const at = campaign.scheduleAt?.getTime() ?? 0;
        if (at > clock.now().getTime()) {
          await scheduleRun(tx, { tenantId, campaignId, afterSeconds: (at - clock.now().getTime()) / 1000 });
          return 'scheduled';
        }
        // Checked at launch, but Meta (or a person) may have changed the template or a number since:
        // not started into sends that would all fail; held, with the reason, for a person (decision 0050).
        const refused = await whyNotStart(tx, campaign);
        if (refused) {
          await autoPause(tx, { tenantId, campaignId, reason: refused.reason, details: refused.details, beforeStart: true });
          return 'paused';
        }
        await tx.update(campaigns).set({ status: 'running', launchedAt: clock.now() }).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId)));
        publishProgress(tx, tenantId, { campaignId, status: 'running' });
        return 'running';
      }
      return campaign.status;
    });
    if (state !== 'running') return { state, claimed: 0 };
    const materialized = await materialize(tenantId, campaignId);
    let claimed = 0;
    let after: ClaimCursor | null = null;
    // What this run may queue: AHEAD_SECONDS of its numbers' sends, less what already waits on them.
    // Spent, the run ends and the next comes in a second (its due rows are still due).
    let allowance = await aheadAllowance(tenantId, campaignId);
    for (;;) {
      if (options.signal?.aborted || Date.now() - started > budget || allowance <= 0) break;
      const batch = await claimBatch(tenantId, campaignId, { after, limit: Math.min(CLAIM_BATCH, allowance) });
      claimed += batch.claimed;
      allowance -= batch.queued ?? 0;
      if (batch.stopped) break;
      if (batch.claimed === 0) {
        // Rows behind the cursor (held by another worker a moment ago, or sent back by a send window): one walk from the start.
        if (!after) break;
        after = null;
        continue;
      }
      after = batch.last ?? null;
    }
    const next = await database.withTenant(tenantId, async (tx) => {
      const campaign = await loadCampaign(tx, tenantId, campaignId, true);
      if (campaign?.status !== 'running') return campaign?.status ?? 'missing';
      const [pending] = await tx
        .select({ n: sql<number>`count(*)::int`, nextDue: sql<string | null>`min(${campaignRecipients.dueAt})` })
        .from(campaignRecipients)
        .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId), recipientIsPending));
      if (!pending || pending.n === 0) {
        // Not done while messages are still on their way: a quick 131049 would send a row back to pending.
        const [inFlight] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(campaignRecipients)
          .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId), eq(campaignRecipients.status, 'queued')));
        if (inFlight && inFlight.n > 0) {
          await scheduleRun(tx, { tenantId, campaignId, afterSeconds: IN_FLIGHT_RECHECK_SECONDS });
          return 'running';
        }
        await tx.update(campaigns).set({ status: 'completed', completedAt: clock.now() }).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId)));
        publishProgress(tx, tenantId, { campaignId, status: 'completed' });
        return 'completed';
      }
      const wait = Math.max(1, (new Date(pending.nextDue!).getTime() - clock.now().getTime()) / 1000);
      await scheduleRun(tx, { tenantId, campaignId, afterSeconds: wait });
      return 'running';
    });
    if (next === 'completed') await announceStats(tenantId, campaignId, next);
    else if (claimed > 0) await throttledStats(tenantId, campaignId, next);
    return { state: next, claimed, materialized };
  }

  /**
   * The campaign's counts for its page, announced after runs that moved it. Counting is one grouped
   * scan of the ledger (~330 ms at a million recipients) and a paced campaign runs about once a
   * second, so a running campaign's counts go out at most every PROGRESS_STATS_MS — or ten times
   * the last count's duration, keeping the counting under a tenth of the process's time — the last
   * run of a burst announced when its wait is over; completion at once.
   */
  const statsDue = new Map<string, { at: number; timer?: NodeJS.Timeout }>();
  async function announceStats(tenantId: string, campaignId: string, status: string | null) {
    const entry = statsDue.get(campaignId);
    if (entry?.timer) clearTimeout(entry.timer);
    const started = Date.now();
    const stats = await database.withTenant(tenantId, async (tx) => {
      const counted = await computeStats(tx, tenantId, campaignId);
      // The same end the page shows (its numbers' pace, the send window, a breaker), so a live update does not undo it.
      const campaign = await loadCampaign(tx, tenantId, campaignId);
      if (campaign) await estimateEnd(tx, campaign, counted, clock.now());
      return counted;
    });
    const took = Date.now() - started;
    statsDue.delete(campaignId);
    if (status !== 'completed') statsDue.set(campaignId, { at: Date.now() + Math.max(PROGRESS_STATS_MS, took * 10) });
    if (statsDue.size > 1000) statsDue.delete(statsDue.keys().next().value!);
    // A deferred announcement carries no state: the campaign may have moved on since its run.
    await bus.publish({ type: 'campaign.progress', tenantId, data: { campaignId, ...(status ? { status } : {}), stats } });
  }
  async function throttledStats(tenantId: string, campaignId: string, status: string) {
    const entry = statsDue.get(campaignId);
    if (!entry || entry.at <= Date.now()) return announceStats(tenantId, campaignId, status);
    if (entry.timer) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      announceStats(tenantId, campaignId, null).catch((err: unknown) => logger.debug({ err, campaignId }, 'campaign progress not announced'));
    }, entry.at - Date.now()).unref();
  }

  /**
   * Many campaign messages moved on at once (a drain's batch): the ledger follows them in one
   * statement per status, forward only, and the campaign announces its progress once. Failures
   * go one by one (their error codes decide what happens).
   */
  events.on('messages.statuses-changed', async (tx, e) => {
    const items = e.items.filter((i) => i.source === 'campaign');
    for (const item of items.filter((i) => i.status === 'failed')) await followStatus(tx, { tenantId: e.tenantId, ...item });
    const byStatus = new Map<string, string[]>();
    for (const i of items) if (i.status !== 'failed') pushTo(byStatus, i.status, i.messageId);
    const campaignsMoved = new Set<string>();
    for (const [status, messageIds] of byStatus) {
      const next = status === 'sending' ? 'queued' : status;
      const rank = RANK[next];
      if (rank === undefined) continue;
      // A pending row has no message in flight (a 131049 cool-down sent it back): nothing to follow.
      const lower = Object.entries(RANK).filter(([s, r]) => r < rank && s !== 'pending').map(([s]) => s);
      const moved = await tx.execute<{ campaign_id: string }>(sql`
        update ${campaignRecipients} set status = ${next}
         where ${campaignRecipients.tenantId} = ${e.tenantId} and ${campaignRecipients.messageId} = any(${sql.param(messageIds)}::uuid[])
           and ${campaignRecipients.status} = any(${sql.param(lower)}::text[])
        returning ${campaignRecipients.campaignId} as campaign_id`);
      for (const m of moved) campaignsMoved.add(m.campaign_id);
    }
    for (const campaignId of campaignsMoved) publishProgress(tx, e.tenantId, { campaignId, acknowledged: items.length });
  });

  /** The message of a ledger row moved on: follow it (forward only), and act on provider error codes. */
  events.on('messages.status-changed', (tx, e) => followStatus(tx, e));

  async function followStatus(tx: Tx, e: DomainEventMap['messages.status-changed']) {
    if (e.source !== 'campaign') return;
    const [row] = await tx
      .select()
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.tenantId, e.tenantId), eq(campaignRecipients.messageId, e.messageId)))
      .for('update');
    if (!row || row.status === 'skipped' || row.status === 'failed' || row.status === 'pending') return;
    if (e.status === 'queued') {
      // Back in the queue (a retry's wait, a breaker's hold) after its campaign was paused or
      // cancelled, which took back only what was queued then: it waits with it, or is withdrawn.
      const campaign = await loadCampaign(tx, e.tenantId, row.campaignId);
      if (campaign?.status === 'paused') await outbound.hold(tx, e.tenantId, [e.messageId]);
      else if (campaign?.status === 'cancelled') await withdraw(tx, e.tenantId, row.campaignId, [e.messageId]);
      return;
    }
    const key = { tenantId: e.tenantId, campaignId: row.campaignId, contactId: row.contactId };
    const where = and(eq(campaignRecipients.tenantId, key.tenantId), eq(campaignRecipients.campaignId, key.campaignId), eq(campaignRecipients.contactId, key.contactId));
    let status: RecipientStatus = row.status;
    if (e.status === 'failed') {
      const code = e.code ?? 'failed';
      const action = errorAction(code).action;
      const campaign = await loadCampaign(tx, e.tenantId, row.campaignId);
      const open = campaign?.status === 'running' || campaign?.status === 'paused';
      // A finished campaign sends nothing more: a late 131049 is then a failure like any other.
      if (action === 'cooldown_recipient' && row.attempts < MAX_ATTEMPTS && open) {
        // Never at once: this person is not to get a marketing message for a day.
        status = 'pending';
        await tx.update(campaignRecipients).set({ status, messageId: null, errorCode: code, dueAt: new Date(clock.now().getTime() + COOLDOWN_MS) }).where(where);
      } else if (TEMPLATE_REFUSAL_CODES.has(code) && row.attempts < MAX_ATTEMPTS && open) {
        // Meta refused the template, not the person, and nothing reached them: they go out after the
        // resume. Refused again after a resume, they are failed with the code (decision 0050).
        status = 'pending';
        await tx.update(campaignRecipients).set({ status, messageId: null, errorCode: code, dueAt: clock.now() }).where(where);
      } else {
        status = 'failed';
        await tx.update(campaignRecipients).set({ status, errorCode: code }).where(where);
      }
      if (action === 'pause_campaign') await autoPause(tx, { tenantId: e.tenantId, campaignId: row.campaignId, reason: `provider_error_${code}`, details: { code, channelId: e.channelId } });
      else if (campaign?.status === 'running') await checkGuardRails(tx, campaign);
    } else {
      const next = e.status === 'sending' ? 'queued' : e.status;
      if ((RANK[next] ?? -1) <= (RANK[row.status] ?? -1)) return;
      status = next as RecipientStatus;
      await tx.update(campaignRecipients).set({ status }).where(where);
    }
    publishProgress(tx, e.tenantId, { campaignId: row.campaignId, recipient: { contactId: row.contactId, status } });
  }

  /** A recipient wrote back: their latest campaign messages count as replied. */
  // A reply counts for the campaign message it answers: the one it quotes, or else the latest
  // campaign message to that contact on the same channel account in the last 30 days.
  // A batch of replies (a drain's): one read finds who of them has an open campaign message at all;
  // only those are looked at one by one.
  events.on('messages.replies-received', async (tx, batch) => {
    const contactIds = [...new Set(batch.replies.map((r) => r.contactId))];
    const withOpen = new Set(
      (
        await tx
          .selectDistinct({ contactId: campaignRecipients.contactId })
          .from(campaignRecipients)
          .where(
            and(
              eq(campaignRecipients.tenantId, batch.tenantId),
              equalsAny(campaignRecipients.contactId, contactIds),
              inArray(campaignRecipients.status, ['queued', 'ambiguous', 'sent', 'delivered', 'read']),
            ),
          )
      ).map((r) => r.contactId),
    );
    for (const reply of batch.replies) if (withOpen.has(reply.contactId)) await onReply(tx, { tenantId: batch.tenantId, ...reply });
  });

  async function onReply(tx: Tx, e: { tenantId: string } & DomainEventMap['messages.replies-received']['replies'][number]) {
    const since = new Date(e.at.getTime() - 30 * 24 * 60 * 60 * 1000).toISOString();
    const open = inArray(campaignRecipients.status, ['queued', 'ambiguous', 'sent', 'delivered', 'read']);
    const [target] = await tx
      .select({ campaignId: campaignRecipients.campaignId, contactId: campaignRecipients.contactId })
      .from(campaignRecipients)
      .where(
        and(
          eq(campaignRecipients.tenantId, e.tenantId),
          eq(campaignRecipients.contactId, e.contactId),
          open,
          e.inReplyTo
            ? eq(campaignRecipients.messageId, e.inReplyTo)
            : and(
                eq(campaignRecipients.channelId, e.channelId),
                sql`${campaignRecipients.queuedAt} >= ${since}::timestamptz and ${campaignRecipients.queuedAt} <= ${e.at.toISOString()}::timestamptz`,
              ),
        ),
      )
      .orderBy(desc(campaignRecipients.queuedAt))
      .limit(1);
    if (!target) return;
    await tx
      .update(campaignRecipients)
      .set({ status: 'replied', repliedAt: e.at })
      .where(and(eq(campaignRecipients.tenantId, e.tenantId), eq(campaignRecipients.campaignId, target.campaignId), eq(campaignRecipients.contactId, target.contactId)));
    publishProgress(tx, e.tenantId, { campaignId: target.campaignId, recipient: { contactId: e.contactId, status: 'replied' } });
  }

  return { runJob, resumeJob, windowJob, releaseAtWindow, run, materialize, claimBatch, scheduleRun, autoPause, holdQueued, releaseHeld, withdrawQueued };
}

/** A channel account's provider state that must stop a campaign: number quality RED/flagged, or its template paused. */
function channelPauseReason(channel: { status: string; providerState: Record<string, unknown> }, whatsappTemplate: { name: string; language: string } | null): string | null {
  const whatsappTemplateName = whatsappTemplate?.name ?? null;
  if (channel.status === 'disabled') return 'channel_disabled';
  const quality = channel.providerState.phone_number_quality_update as { event?: string; current_limit?: string } | undefined;
  if (quality?.event === 'FLAGGED' || channel.providerState.quality_rating === 'RED') return 'quality_red';
  const template = channel.providerState.message_template_status_update as { event?: string; message_template_name?: string } | undefined;
  if (whatsappTemplateName && template?.event === 'PAUSED' && template.message_template_name === whatsappTemplateName) return 'template_paused';
  // The number's template list, kept current by the status webhooks (channels/template-status.ts).
  const kept = (channel.providerState.templates as { items?: { name: string; language: string; status: string }[] } | undefined)?.items ?? [];
  const status = whatsappTemplate ? kept.find((t) => t.name === whatsappTemplate.name && t.language === whatsappTemplate.language)?.status : undefined;
  if (status === 'PAUSED') return 'template_paused';
  if (status && STOPPED_TEMPLATE_STATUSES.has(status)) return 'template_disabled';
  return null;
}

export type Engine = ReturnType<typeof createEngine>;
