import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';
import { inboundWebhooks, STOPPED_TEMPLATE_STATUSES, templateStatusUpdates } from '../channels';
import { campaigns, messageTemplates } from './campaigns.tables';
import type { Engine } from './engine';

/**
 * What a campaign hears from the channel accounts it sends on:
 * - a circuit breaker opening or closing: each running campaign on that account gets a
 *   `campaign.alert` (its sends wait; nothing is lost) and its progress is refreshed;
 * - a WhatsApp template paused, disabled or rejected by Meta (`message_template_status_update`):
 *   each running campaign whose template maps to it on that number is paused, and the admins are
 *   alerted, as SPEC §1.5 asks, before a single send fails with 132015/132016.
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

  events.on('channels.inbound', async (tx, e) => {
    const stopped = inboundWebhooks(e).flatMap((w) =>
      templateStatusUpdates(w.items)
        .filter((u) => u.event && STOPPED_TEMPLATE_STATUSES.has(u.event) && u.message_template_name)
        .map((update) => ({ channelId: w.channelId, update })),
    );
    for (const { channelId, update } of stopped) {
      const using = await tx
        .select({ id: campaigns.id })
        .from(campaigns)
        .innerJoin(messageTemplates, and(eq(messageTemplates.tenantId, campaigns.tenantId), eq(messageTemplates.id, campaigns.templateId)))
        .where(
          and(
            eq(campaigns.tenantId, e.tenantId),
            eq(campaigns.status, 'running'),
            sql`${channelId}::uuid = any(${campaigns.channelIds})`,
            sql`${messageTemplates.whatsappTemplate}->>'name' = ${update.message_template_name}`,
            update.message_template_language ? sql`${messageTemplates.whatsappTemplate}->>'language' = ${update.message_template_language}` : undefined,
          ),
        );
      const reason = update.event === 'PAUSED' ? 'template_paused' : 'template_disabled';
      for (const { id } of using) {
        await engine.autoPause(tx, { tenantId: e.tenantId, campaignId: id, reason, details: { channelId, template: update.message_template_name, status: update.event, providerReason: update.reason ?? null } });
      }
    }
  });
}
