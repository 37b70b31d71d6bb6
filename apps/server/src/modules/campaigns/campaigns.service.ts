import { and, asc, desc, eq, gt, lt, or } from 'drizzle-orm';
import type { z } from 'zod';
import type { CampaignInput, CampaignPatch, TemplateOnChannel } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { recordAudit, actorOf } from '../audit';
import { campaigns, type CampaignStatus } from './campaigns.tables';
import { campaignNotFound, invalidState, templateMediaMismatch, templateNotApproved, templateParameterMismatch, unknownReference } from './campaigns.errors';
import { FINAL_STATES, nextState, statesAllowing, type CampaignAction } from './campaign-state';
import { audienceBatch, audienceCondition, campaignTimeline, channelsByIds, countAudience, gateData, recipientPage, segmentExists, tenantSettings, type TimelineBucket } from './campaigns.repository';
import { findTemplate } from './templates.service';
import { computeStats, estimateEnd, type CampaignStats } from './stats';
import { evaluateGate } from './gate';
import { neutraliseFormula } from '../contacts';
import { pacingRateOf, sendGuardsOf } from '../channels';
import { openTimeWalker } from './send-window';
import { slotPlan, type Engine } from './engine';
import { effectiveDailyCap, messagingLimitOf } from './limits';
import { templateBlockers, templateMediaBlockers, templateOnChannels, templateParameterBlockers } from './template-readiness';
import { equalsAny } from '../../platform/db/equals-any';

type CampaignRow = typeof campaigns.$inferSelect;
const PLAN_BATCH = 1000;

export type ChannelHealth = { channelId: string; breaker: 'closed' | 'open' | 'half_open'; retryAt: string | null; lastError: string | null };

export function presentCampaign(row: CampaignRow, stats: CampaignStats, channelHealth: ChannelHealth[] = [], templateHealth: TemplateOnChannel[] = []) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    templateId: row.templateId,
    channelIds: row.channelIds,
    audience: row.audience as Record<string, unknown>,
    requireValidated: row.requireValidated,
    minScore: row.minScore,
    schedule: { at: row.scheduleAt?.toISOString() ?? null },
    pacing: row.pacing as Record<string, unknown>,
    sendWindow: row.sendWindow ?? null,
    perNumberRate: row.perNumberRate ?? null,
    dailyCap: row.dailyCap ?? null,
    frequencyCapDays: row.frequencyCapDays ?? null,
    guardRails: row.guardRails,
    pausedReason: row.pausedReason ?? null,
    stats,
    channelHealth,
    templateHealth,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    launchedAt: row.launchedAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

/** Campaigns: definition, state machine, the plan, the ledger's report. The sending is the engine's. */
export function createCampaignsService(deps: ModuleDeps & { engine: Engine }) {
  const { database, clock, engine } = deps;

  async function findCampaign(tx: Tx, tenantId: string, campaignId: string) {
    const [row] = await tx.select().from(campaigns).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, campaignId)));
    return row ?? null;
  }

  async function present(tx: Tx, row: CampaignRow) {
    const guards = await sendGuardsOf(tx, row.tenantId, row.channelIds);
    // Each account's circuit breaker: an open one holds this campaign's sends on it (nothing is lost).
    const channelHealth = row.channelIds.map((channelId): ChannelHealth => {
      const g = guards.get(channelId);
      return { channelId, breaker: g?.state ?? 'closed', retryAt: g?.state !== 'closed' ? (g?.retryAt?.toISOString() ?? null) : null, lastError: g?.state !== 'closed' ? (g?.lastError ?? null) : null };
    });
    const stats = await computeStats(tx, row.tenantId, row.id);
    await estimateEnd(tx, row, stats, clock.now(), guards);
    // What the page warns about before a launch or resume is refused (nothing to say once it is over).
    const templateHealth = FINAL_STATES.includes(row.status) ? [] : await templateHealthOf(tx, row);
    return presentCampaign(row, stats, channelHealth, templateHealth);
  }

  async function templateHealthOf(tx: Tx, row: Pick<CampaignRow, 'tenantId' | 'templateId' | 'channelIds'>) {
    const template = await findTemplate(tx, row.tenantId, row.templateId);
    if (!template?.whatsappTemplate) return [];
    return templateOnChannels(await channelsByIds(tx, row.tenantId, row.channelIds), template);
  }

  /** The template, channels and segment a campaign names must be this tenant's. */
  async function checkReferences(tx: Tx, tenantId: string, input: { templateId?: string | undefined; channelIds?: string[] | undefined; audience?: z.output<typeof CampaignInput>['audience'] | undefined }) {
    if (input.templateId && !(await findTemplate(tx, tenantId, input.templateId))) throw unknownReference('templateId', 'No such template');
    if (input.channelIds) {
      const unique = [...new Set(input.channelIds)];
      const found = await channelsByIds(tx, tenantId, unique);
      if (found.length !== unique.length) throw unknownReference('channelIds', 'No such channel account');
      if (found.some((c) => c.kind === 'whatsapp_web')) throw unknownReference('channelIds', 'A WhatsApp Web listener does not send: use a WhatsApp Cloud API number');
    }
    if (input.audience && 'segmentId' in input.audience && !(await segmentExists(tx, tenantId, input.audience.segmentId))) throw unknownReference('audience.segmentId', 'No such segment');
  }

  async function list(options: { principal: Principal; limit: number; after?: [string, string] }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(campaigns)
        .where(
          and(
            eq(campaigns.tenantId, tenantId),
            options.after ? or(lt(campaigns.createdAt, new Date(options.after[0])), and(eq(campaigns.createdAt, new Date(options.after[0])), gt(campaigns.id, options.after[1]))) : undefined,
          ),
        )
        .orderBy(desc(campaigns.createdAt), asc(campaigns.id))
        .limit(options.limit + 1);
      const page = rows.slice(0, options.limit);
      const items = [];
      for (const row of page) items.push(await present(tx, row));
      const last = page.at(-1);
      return { items, next: rows.length > options.limit && last ? ([last.createdAt.toISOString(), last.id] as [string, string]) : null };
    });
  }

  async function get(options: { principal: Principal; campaignId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const row = await findCampaign(tx, tenantId, options.campaignId);
      if (!row) throw campaignNotFound();
      return present(tx, row);
    });
  }

  async function create(options: { principal: Principal; input: z.output<typeof CampaignInput> }) {
    const { tenantId, userId } = options.principal;
    const { input } = options;
    return database.withTenant(tenantId, async (tx) => {
      await checkReferences(tx, tenantId, input);
      const [row] = await tx
        .insert(campaigns)
        .values({
          tenantId,
          name: input.name,
          templateId: input.templateId,
          channelIds: [...new Set(input.channelIds)],
          audience: input.audience,
          requireValidated: input.requireValidated,
          minScore: input.minScore,
          scheduleAt: input.schedule.at ? new Date(input.schedule.at) : null,
          pacing: input.pacing,
          sendWindow: input.sendWindow,
          perNumberRate: input.perNumberRate,
          dailyCap: input.dailyCap,
          frequencyCapDays: input.frequencyCapDays,
          guardRails: input.guardRails,
          createdBy: userId,
        })
        .returning();
      return present(tx, row!);
    });
  }

  /** Only a draft can be edited: what a running campaign sends was fixed when it was launched. */
  async function update(options: { principal: Principal; campaignId: string; input: z.output<typeof CampaignPatch> }) {
    const { tenantId } = options.principal;
    const { input } = options;
    return database.withTenant(tenantId, async (tx) => {
      const current = await findCampaign(tx, tenantId, options.campaignId);
      if (!current) throw campaignNotFound();
      if (current.status !== 'draft') throw invalidState(current.status, 'change');
      await checkReferences(tx, tenantId, input);
      const { schedule, channelIds, ...rest } = input;
      const set = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      const [row] = await tx
        .update(campaigns)
        .set({ ...set, ...(channelIds ? { channelIds: [...new Set(channelIds)] } : {}), ...(schedule ? { scheduleAt: schedule.at ? new Date(schedule.at) : null } : {}) })
        .where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, options.campaignId)))
        .returning();
      return present(tx, row!);
    });
  }

  async function remove(options: { principal: Principal; campaignId: string }) {
    const { tenantId } = options.principal;
    await database.withTenant(tenantId, async (tx) => {
      const current = await findCampaign(tx, tenantId, options.campaignId);
      if (!current) throw campaignNotFound();
      if (current.status !== 'draft') throw invalidState(current.status, 'be deleted');
      await tx.delete(campaigns).where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, options.campaignId)));
    });
  }

  /**
   * Moves the campaign by compare-and-set (two people pausing and cancelling at once: one wins,
   * the other gets 409). Pause and cancel are seen by the engine's very next claim.
   */
  async function transition(options: { principal: Principal; campaignId: string; action: Exclude<CampaignAction, 'start' | 'hold' | 'complete'> }) {
    const { tenantId } = options.principal;
    const { action } = options;
    return database.withTenant(tenantId, async (tx) => {
      const current = await findCampaign(tx, tenantId, options.campaignId);
      if (!current) throw campaignNotFound();
      let target = nextState(current.status, action);
      if (!target) throw invalidState(current.status, action);
      // Meta refuses every send of a template it paused, disabled or rejected (132015/132016): refuse
      // to start or schedule into that; an unknown status (never synced) does not block (decision 0030).
      // Nor into a template whose file does not fit the Meta template's header (132012 on every send).
      if (action === 'launch' || action === 'resume') {
        const health = await templateHealthOf(tx, current);
        const blocked = templateBlockers(health);
        if (blocked.length > 0) throw templateNotApproved(action, blocked);
        const mismatched = templateMediaBlockers(health);
        if (mismatched.length > 0) throw templateMediaMismatch(action, mismatched, (await findTemplate(tx, tenantId, current.templateId))?.media[0]?.mimeType ?? null);
        // Nor into one whose TEXT header's `{{1}}` or body parameters the mapping does not fill as Meta's template takes them (132000).
        const unfit = templateParameterBlockers(health);
        if (unfit.length > 0) throw templateParameterMismatch(action, unfit);
      }
      const now = clock.now();
      const startsNow = action === 'launch' && (!current.scheduleAt || current.scheduleAt <= now);
      if (startsNow) target = 'running';
      // Held before its start (its template was stopped while it was scheduled): back on its schedule.
      const backOnSchedule = action === 'resume' && !current.launchedAt && current.scheduleAt !== null && current.scheduleAt > now;
      if (backOnSchedule) target = 'scheduled';
      const [row] = await tx
        .update(campaigns)
        .set({
          status: target,
          ...(target === 'running' && !current.launchedAt ? { launchedAt: now } : {}),
          ...(action === 'resume' || action === 'cancel' ? { pausedReason: null } : {}),
        })
        .where(and(eq(campaigns.tenantId, tenantId), eq(campaigns.id, current.id), equalsAny(campaigns.status, statesAllowing(action) as CampaignStatus[])))
        .returning();
      if (!row) throw invalidState(current.status, action);
      if (action === 'launch' || action === 'resume') {
        await engine.scheduleRun(tx, { tenantId, campaignId: row.id, ...(target === 'running' ? {} : { afterSeconds: (current.scheduleAt!.getTime() - now.getTime()) / 1000 }) });
      }
      // What runs queued and no drain has taken yet follows the campaign (decision 0052): held while
      // it is paused, let go on resume, withdrawn on cancel. The rows never claimed will not be: they
      // are left `pending` and counted as such, and so are the withdrawn ones.
      if (action === 'pause') await engine.holdQueued(tx, tenantId, row.id);
      if (action === 'resume') await engine.releaseHeld(tx, tenantId, row.id);
      if (action === 'cancel') await engine.withdrawQueued(tx, tenantId, row.id);
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: `campaign.${action === 'launch' ? 'launched' : action === 'cancel' ? 'cancelled' : `${action}d`}`, target: { type: 'campaign', id: row.id } });
      return present(tx, row);
    });
  }

  /**
   * The plan: the audience walked in keyset batches, each recipient given the channel it would
   * get at launch and passed through the same gate the engine runs at send time.
   */
  async function plan(options: { principal: Principal; campaignId: string }) {
    const { tenantId } = options.principal;
    const now = clock.now();
    const campaign = await database.withTenant(tenantId, (tx) => findCampaign(tx, tenantId, options.campaignId));
    if (!campaign) throw campaignNotFound();
    const { template, channels, settings, where, total } = await database.withTenant(tenantId, async (tx) => {
      const settings = await tenantSettings(tx, tenantId);
      const where = await audienceCondition(tx, { tenantId, audience: campaign.audience, country: settings.country });
      return {
        template: await findTemplate(tx, tenantId, campaign.templateId),
        channels: new Map((await channelsByIds(tx, tenantId, campaign.channelIds)).map((c) => [c.id, c])),
        settings,
        where,
        total: await countAudience(tx, where),
      };
    });
    const start = campaign.launchedAt ?? (campaign.scheduleAt && campaign.scheduleAt > now ? campaign.scheduleAt : now);
    // The numbers' WhatsApp messaging limits cap each day as the campaign's own daily cap does (the engine follows the same cap).
    const slots = slotPlan({ ...campaign, dailyCap: effectiveDailyCap(campaign.dailyCap, [...channels.values()]) }, { start, total });
    const n = campaign.channelIds.length;
    // Each number sends no faster than its own rate (the outbound path paces it; runs queue only a
    // few seconds ahead of it, decision 0052): without pacing of the campaign's own, that rate is what spaces the sends.
    const intervalOf = new Map(
      campaign.channelIds.map((id) => {
        const channel = channels.get(id);
        const rate = channel ? pacingRateOf(channel.kind, channel.settings as Record<string, unknown>) : 0;
        return [id, rate > 0 ? Math.max(slots.intervalSeconds, 1 / rate) : slots.intervalSeconds];
      }),
    );
    // The split over days is by the tenant's calendar day (a send at 22:00 in Buenos Aires is that day's, not the next UTC date's).
    const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: settings.timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const walkers = new Map<string, { day: number; at: (seconds: number) => Date }>();
    const windowWalker = (channelId: string, day: number) => {
      let w = walkers.get(channelId);
      if (!w || w.day !== day) walkers.set(channelId, (w = { day, at: openTimeWalker(campaign.sendWindow!, settings.timezone, new Date(start.getTime() + day * 86_400_000)) }));
      return w.at;
    };
    const skippedByReason: Record<string, number> = {};
    const perDay = new Map<string, number>();
    let eligible = 0;
    let position = 0;
    let lastDue: Date | null = null;
    let after: string | null = null;
    for (;;) {
      const batch: { id: string }[] = await database.withTenant(tenantId, (tx) => audienceBatch(tx, { where, afterId: after, limit: PLAN_BATCH }));
      if (batch.length === 0) break;
      after = batch.at(-1)!.id;
      const data = await database.withTenant(tenantId, (tx) =>
        gateData(tx, { tenantId, campaignId: campaign.id, contactIds: batch.map((b) => b.id), channelIds: campaign.channelIds, frequencyCapDays: campaign.frequencyCapDays, now }),
      );
      for (const { id } of batch) {
        const channelId = campaign.channelIds[position % n]!;
        const place = Math.floor(position / n);
        position++;
        const entry = data.get(id);
        const channel = channels.get(channelId);
        if (!entry || !channel || !template) {
          skippedByReason.channel_unavailable = (skippedByReason.channel_unavailable ?? 0) + 1;
          continue;
        }
        const whatsappTemplate = channel.kind === 'whatsapp_cloud' ? template.whatsappTemplate : null;
        const decision = evaluateGate(
          { ...entry.gate, lastInboundAt: entry.windows.get(channelId) ?? null },
          { channelKind: channel.kind, requireValidated: campaign.requireValidated, minScore: campaign.minScore, frequencyCapDays: campaign.frequencyCapDays, hasWhatsAppTemplate: Boolean(whatsappTemplate) },
          now,
        );
        if (!decision.send) {
          skippedByReason[decision.reason] = (skippedByReason[decision.reason] ?? 0) + 1;
          continue;
        }
        eligible++;
        const day = slots.dailyCap ? Math.floor(place / slots.dailyCap) : 0;
        const slot = slots.dailyCap ? place % slots.dailyCap : place;
        const offset = slot * intervalOf.get(channelId)!;
        // Through a send window only its open hours count (a walker per number and day: their
        // offsets only grow, so each goes on from where it stopped).
        const due = campaign.sendWindow ? windowWalker(channelId, day)(offset) : new Date(start.getTime() + day * 86_400_000 + offset * 1000);
        const date = localDate.format(due);
        perDay.set(date, (perDay.get(date) ?? 0) + 1);
        if (!lastDue || due > lastDue) lastDue = due;
      }
    }
    const skipped = Object.values(skippedByReason).reduce((a, b) => a + b, 0);
    return {
      eligible,
      skipped,
      skippedByReason,
      eta: lastDue?.toISOString() ?? null,
      days: [...perDay].sort(([a], [b]) => a.localeCompare(b)).map(([date, count]) => ({ date, count })),
      dailyCap: slots.dailyCap,
      limits: campaign.channelIds.map((channelId) => {
        const channel = channels.get(channelId);
        return { channelId, ...(channel ? messagingLimitOf(channel) : { tier: null, perDay: null }) };
      }),
      // What a launch would refuse for the WhatsApp template (status, or its file against the header), said before it.
      templateHealth: template ? templateOnChannels([...channels.values()], template) : [],
    };
  }

  async function recipients(options: { principal: Principal; campaignId: string; limit: number; status?: string | undefined; after?: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      if (!(await findCampaign(tx, tenantId, options.campaignId))) throw campaignNotFound();
      const rows = await recipientPage(tx, { tenantId, campaignId: options.campaignId, status: options.status, after: options.after, limit: options.limit + 1 });
      const page = rows.slice(0, options.limit);
      return {
        items: page.map(({ r, contact }) => ({
          contactId: r.contactId,
          contactName: contact ? [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.company || contact.phoneE164 || '' : '',
          phone: contact?.phoneE164 ?? null,
          status: r.status,
          skipReason: r.skipReason,
          messageId: r.messageId,
          channelId: r.channelId,
          errorCode: r.errorCode,
          dueAt: r.dueAt.toISOString(),
          queuedAt: r.queuedAt?.toISOString() ?? null,
          updatedAt: r.updatedAt.toISOString(),
        })),
        next: rows.length > options.limit ? (page.at(-1)?.r.contactId ?? null) : null,
      };
    });
  }

  /** The campaign's outcomes over time, per bucket, from its ledger (campaigns.repository.ts). */
  async function timeline(options: { principal: Principal; campaignId: string; bucket: TimelineBucket }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      if (!(await findCampaign(tx, tenantId, options.campaignId))) throw campaignNotFound();
      return { bucket: options.bucket, points: await campaignTimeline(tx, tenantId, options.campaignId, options.bucket) };
    });
  }

  /** The per-recipient report as CSV, a keyset page at a time (never the whole ledger in memory). */
  async function* exportRecipients(options: { principal: Principal; campaignId: string; status?: string | undefined }) {
    yield 'contactId,name,phone,status,skipReason,messageId,channelId,errorCode,queuedAt\n';
    let after: string | undefined;
    for (;;) {
      const page = await recipients({ ...options, limit: 1000, ...(after ? { after } : {}) });
      yield page.items.map((r) => [r.contactId, r.contactName, r.phone, r.status, r.skipReason, r.messageId, r.channelId, r.errorCode, r.queuedAt].map(csvCell).join(',')).join('\n') + (page.items.length ? '\n' : '');
      if (!page.next) return;
      after = page.next;
    }
  }

  async function auditExport(principal: Principal, campaignId: string) {
    await database.withTenant(principal.tenantId, async (tx) => {
      if (!(await findCampaign(tx, principal.tenantId, campaignId))) throw campaignNotFound();
      await recordAudit(tx, { tenantId: principal.tenantId, actor: actorOf(principal), action: 'campaign.recipients_exported', target: { type: 'campaign', id: campaignId } });
    });
  }

  return { list, get, create, update, remove, transition, plan, recipients, timeline, exportRecipients, auditExport };
}

/** A CSV cell, with spreadsheet formulas neutralised the way the contacts export does it. */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = neutraliseFormula(value);
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export type CampaignsService = ReturnType<typeof createCampaignsService>;
