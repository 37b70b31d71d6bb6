import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterCommit } from '../../platform/db/after-commit';
import type { Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import { recordAudit, systemActor } from '../audit';
import { APPROVING_TEMPLATE_EVENTS, inboundWebhooks, STOPPED_TEMPLATE_STATUSES, templateStatusUpdates, type TemplateStatusUpdate } from '../channels';
import { campaigns, messageTemplates, type CampaignStatus } from './campaigns.tables';
import { statesAllowing } from './campaign-state';
import type { Engine } from './engine';
import { TEMPLATE_PAUSE_REASONS } from './template-readiness';
import { equalsAny } from '../../platform/db/equals-any';

/**
 * What a campaign hears from the channel accounts it sends on:
 * - a circuit breaker opening or closing: each running campaign on that account gets a
 *   `campaign.alert` (its sends wait; nothing is lost) and its progress is refreshed;
 * - a WhatsApp template paused, disabled or rejected by Meta (`message_template_status_update`):
 *   each running or scheduled campaign whose template maps to it on that number is paused, and the
 *   admins are alerted, as SPEC §1.5 asks, before a single send fails with 132015/132016;
 * - that template approved again (`APPROVED`, `REINSTATED`): the campaigns paused for it stay paused
 *   (an admin resumes them, decision 0030) and get a `template_approved` alert saying they can be.
 */
export function followChannels(deps: ModuleDeps & { engine: Engine }) {
  const { events, bus, engine } = deps;

  events.on('channels.breaker-changed', async (tx, e) => {
    const running = await tx
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(and(eq(campaigns.tenantId, e.tenantId), inArray(campaigns.status, ['running', 'paused']), sql`${e.channelId}::uuid = any(${campaigns.channelIds})`));
    for (const { id } of running) {
      const alert = { campaignId: id, reason: e.state === 'closed' ? 'channel_breaker_closed' : 'channel_breaker_open', channelId: e.channelId, retryAt: e.retryAt?.toISOString() ?? null, error: e.error };
      afterCommit(tx, () => bus.publish({ type: 'campaign.alert', tenantId: e.tenantId, data: alert }));
      afterCommit(tx, () => bus.publish({ type: 'campaign.progress', tenantId: e.tenantId, data: { campaignId: id, channelHealth: [{ channelId: e.channelId, breaker: e.state, retryAt: alert.retryAt, lastError: e.error }] } }));
    }
  });

  /** The tenant's campaigns in `statuses` whose template maps to this one on that number. */
  async function campaignsUsing(tx: Tx, options: { tenantId: string; channelId: string; update: TemplateStatusUpdate; statuses: CampaignStatus[] }) {
    const { update } = options;
    return tx
      .select({ id: campaigns.id, status: campaigns.status, pausedReason: campaigns.pausedReason })
      .from(campaigns)
      .innerJoin(messageTemplates, and(eq(messageTemplates.tenantId, campaigns.tenantId), eq(messageTemplates.id, campaigns.templateId)))
      .where(
        and(
          eq(campaigns.tenantId, options.tenantId),
          equalsAny(campaigns.status, options.statuses),
          sql`${options.channelId}::uuid = any(${campaigns.channelIds})`,
          sql`${messageTemplates.whatsappTemplate}->>'name' = ${update.message_template_name}`,
          update.message_template_language ? sql`${messageTemplates.whatsappTemplate}->>'language' = ${update.message_template_language}` : undefined,
        ),
      );
  }

  /**
   * A scheduled campaign is paused before its start (`hold`), so it does not start into 132015/132016
   * and the admins hear of it now rather than at its start time. Resuming it puts it back on its schedule.
   */
  async function hold(tx: Tx, options: { tenantId: string; campaignId: string; reason: string; details: Record<string, unknown> }) {
    const [row] = await tx
      .update(campaigns)
      .set({ status: 'paused', pausedReason: options.reason })
      .where(and(eq(campaigns.tenantId, options.tenantId), eq(campaigns.id, options.campaignId), equalsAny(campaigns.status, statesAllowing('hold'))))
      .returning({ id: campaigns.id });
    if (!row) return;
    await recordAudit(tx, { tenantId: options.tenantId, actor: systemActor, action: 'campaign.auto_paused', target: { type: 'campaign', id: options.campaignId }, details: { reason: options.reason, beforeStart: true, ...options.details } });
    const alert = { campaignId: options.campaignId, reason: options.reason, ...options.details };
    afterCommit(tx, () => bus.publish({ type: 'campaign.alert', tenantId: options.tenantId, data: alert }));
    afterCommit(tx, () => bus.publish({ type: 'campaign.progress', tenantId: options.tenantId, data: { campaignId: options.campaignId, status: 'paused', pausedReason: options.reason } }));
  }

  events.on('channels.inbound', async (tx, e) => {
    const updates = inboundWebhooks(e).flatMap((w) => templateStatusUpdates(w.items).flatMap((update) => (update.event && update.message_template_name ? [{ channelId: w.channelId, update, event: update.event }] : [])));
    for (const { channelId, update, event } of updates) {
      if (STOPPED_TEMPLATE_STATUSES.has(event)) {
        const reason = event === 'PAUSED' ? 'template_paused' : 'template_disabled';
        const details = { channelId, template: update.message_template_name, status: event, providerReason: update.reason ?? null };
        for (const c of await campaignsUsing(tx, { tenantId: e.tenantId, channelId, update, statuses: ['running', 'scheduled'] })) {
          if (c.status === 'running') await engine.autoPause(tx, { tenantId: e.tenantId, campaignId: c.id, reason, details });
          else await hold(tx, { tenantId: e.tenantId, campaignId: c.id, reason, details });
        }
      } else if (APPROVING_TEMPLATE_EVENTS.has(event)) {
        // Not resumed here: Meta may pause it again, and when to go on (send windows, the number's quality) is a person's call.
        for (const c of await campaignsUsing(tx, { tenantId: e.tenantId, channelId, update, statuses: ['paused'] })) {
          if (!c.pausedReason || !TEMPLATE_PAUSE_REASONS.has(c.pausedReason)) continue;
          const alert = { campaignId: c.id, reason: 'template_approved', channelId, template: update.message_template_name, pausedReason: c.pausedReason, resumable: true };
          afterCommit(tx, () => bus.publish({ type: 'campaign.alert', tenantId: e.tenantId, data: alert }));
        }
      }
    }
  });
}
