import { and, eq, sql } from 'drizzle-orm';
import type { ChannelTemplate } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import type { DomainEvents } from '../../platform/events/domain-events';
import { channelAccounts } from './channels.tables';
import type { InboundItem } from './inbound-items';

/** A `message_template_status_update` webhook's value (Meta's field names). */
export type TemplateStatusUpdate = { event?: string; message_template_id?: number | string; message_template_name?: string; message_template_language?: string; reason?: string | null };

/** The template statuses that stop every send of it: Meta refuses them (132015, 132016). */
export const STOPPED_TEMPLATE_STATUSES = new Set(['PAUSED', 'DISABLED', 'REJECTED', 'PENDING_DELETION', 'DELETED']);

/** The webhook events after which a template sends again. */
export const APPROVING_TEMPLATE_EVENTS = new Set(['APPROVED', 'REINSTATED']);

/** The template status a webhook's event leaves (FLAGGED is a quality warning: the template still sends). */
export function statusAfter(event: string, current: string | null): string {
  if (APPROVING_TEMPLATE_EVENTS.has(event)) return 'APPROVED';
  if (event === 'FLAGGED') return current ?? 'APPROVED';
  return event;
}

/**
 * The webhooks a `channels.inbound` event carries: one (`channelId`, `items`) or a drain's batch
 * (`events`). Read either way, so a listener does not depend on how the inbound drain groups them.
 */
export function inboundWebhooks(e: unknown): { channelId: string; items: unknown[] }[] {
  const event = e as { events?: { channelId: string; items: unknown[] }[]; channelId?: string; items?: unknown[] };
  return event.events ?? (event.channelId ? [{ channelId: event.channelId, items: event.items ?? [] }] : []);
}

/** The template status updates among a webhook's items. */
export function templateStatusUpdates(items: unknown[]): TemplateStatusUpdate[] {
  return (items as InboundItem[]).flatMap((i) => (i.kind === 'account' && i.field === 'message_template_status_update' ? [i.value as TemplateStatusUpdate] : []));
}

/**
 * Keeps a WhatsApp number's template list current between syncs: a `message_template_status_update`
 * webhook (approved, paused for low quality, disabled, reinstated…) changes the status of that
 * template (by name and language) in the list kept on the channel, in the webhook's transaction.
 */
export function followTemplateStatus(events: DomainEvents) {
  events.on('channels.inbound', async (tx, e) => {
    for (const webhook of inboundWebhooks(e)) {
      const updates = templateStatusUpdates(webhook.items).filter((u) => u.event && u.message_template_name);
      if (updates.length) await apply(tx, e.tenantId, webhook.channelId, updates);
    }
  });
}

async function apply(tx: Tx, tenantId: string, channelId: string, updates: TemplateStatusUpdate[]) {
  {
    const [row] = await tx
      .select({ providerState: channelAccounts.providerState })
      .from(channelAccounts)
      .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId)))
      .for('update');
    if (!row) return;
    const stored = (row.providerState.templates as { syncedAt: string | null; items: ChannelTemplate[] } | undefined) ?? { syncedAt: null, items: [] };
    const items = [...stored.items];
    for (const u of updates) {
      const matches = (t: ChannelTemplate) =>
        u.message_template_id !== undefined && t.providerTemplateId ? t.providerTemplateId === String(u.message_template_id) : t.name === u.message_template_name && (!u.message_template_language || t.language === u.message_template_language);
      const at = items.findIndex(matches);
      if (at >= 0) items[at] = { ...items[at]!, status: statusAfter(u.event!, items[at]!.status), ...(u.event === 'FLAGGED' ? { quality: 'RED' } : {}) };
      else items.push({ name: u.message_template_name!, language: u.message_template_language ?? '', category: '', status: statusAfter(u.event!, null), quality: u.event === 'FLAGGED' ? 'RED' : null, providerTemplateId: u.message_template_id !== undefined ? String(u.message_template_id) : null });
    }
    await tx
      .update(channelAccounts)
      .set({ providerState: sql`${channelAccounts.providerState} || ${JSON.stringify({ templates: { ...stored, items } })}::jsonb` })
      .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId)));
  }
}
