import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { pacingRateOf, sendGuardsOf } from '../channels';
import { FINAL_STATES } from './campaign-state';
import { campaignRecipients, recipientIsPending, type campaigns } from './campaigns.tables';
import { channelsByIds, tenantSettings } from './campaigns.repository';
import { openTimeWalker } from './send-window';

export type CampaignStats = {
  total: number;
  pending: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  failed: number;
  ambiguous: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  /**
   * When the last recipient still waiting is due (ISO), from the ledger's due times — they carry the
   * pacing, the daily cap and the numbers' messaging limits; null when nobody is waiting. (The
   * campaign's page also waits for a breaker holding its sends: campaigns.service.)
   */
  eta?: string | null;
};

export const emptyStats = (): CampaignStats => ({ total: 0, pending: 0, queued: 0, sent: 0, delivered: 0, read: 0, replied: 0, failed: 0, ambiguous: 0, skipped: 0, skippedByReason: {} });

/**
 * The campaign's counts from its ledger, one grouped scan of its rows. A funnel: `sent` counts
 * every recipient whose message reached the provider (delivered, read and replied ones too),
 * `delivered` those that reached the phone, `read` those read.
 */
export async function computeStats(tx: Tx, tenantId: string, campaignId: string): Promise<CampaignStats> {
  const rows = await tx
    .select({ status: campaignRecipients.status, reason: campaignRecipients.skipReason, n: sql<number>`count(*)::int` })
    .from(campaignRecipients)
    .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId)))
    .groupBy(campaignRecipients.status, campaignRecipients.skipReason);
  const stats = emptyStats();
  // The last due time of the pending rows: the pending index answers it from its end.
  const [last] = await tx
    .select({ at: sql<string | null>`max(${campaignRecipients.dueAt})` })
    .from(campaignRecipients)
    .where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId), recipientIsPending));
  stats.eta = last?.at ? new Date(last.at).toISOString() : null;
  for (const { status, reason, n } of rows) {
    stats.total += n;
    switch (status) {
      case 'pending':
        stats.pending += n;
        break;
      case 'queued':
        stats.queued += n;
        break;
      case 'ambiguous':
        stats.ambiguous += n;
        break;
      case 'failed':
        stats.failed += n;
        break;
      case 'skipped':
        stats.skipped += n;
        stats.skippedByReason[reason ?? 'unknown'] = (stats.skippedByReason[reason ?? 'unknown'] ?? 0) + n;
        break;
      case 'replied':
        stats.replied += n;
        stats.read += n;
        stats.delivered += n;
        stats.sent += n;
        break;
      case 'read':
        stats.read += n;
        stats.delivered += n;
        stats.sent += n;
        break;
      case 'delivered':
        stats.delivered += n;
        stats.sent += n;
        break;
      case 'sent':
        stats.sent += n;
        break;
    }
  }
  return stats;
}

/**
 * When the campaign should end, as its page and its live progress say it: the ledger's last due
 * time (`computeStats`: the campaign's own pacing, daily caps, messaging limits), no sooner than its
 * numbers can send all who wait at their rates through the send window's open hours, nor than an
 * open circuit breaker lets them go. Sets `stats.eta`.
 */
export async function estimateEnd(
  tx: Tx,
  row: Pick<typeof campaigns.$inferSelect, 'tenantId' | 'channelIds' | 'status' | 'sendWindow'>,
  stats: CampaignStats,
  now: Date,
  /** The numbers' send guards when the caller has read them already. */
  known?: Awaited<ReturnType<typeof sendGuardsOf>>,
): Promise<void> {
  const waiting = stats.pending + stats.queued;
  if (waiting === 0 || FINAL_STATES.includes(row.status)) return;
  const later = (at: string | null) => {
    if (at && (!stats.eta || stats.eta < at)) stats.eta = at;
  };
  const [channels, guards] = await Promise.all([channelsByIds(tx, row.tenantId, row.channelIds), known ?? sendGuardsOf(tx, row.tenantId, row.channelIds)]);
  const rate = channels.reduce((sum, c) => sum + pacingRateOf(c.kind, c.settings as Record<string, unknown>), 0);
  if (rate > 0) {
    const seconds = waiting / rate;
    later((row.sendWindow ? openTimeWalker(row.sendWindow, (await tenantSettings(tx, row.tenantId)).timezone, now)(seconds) : new Date(now.getTime() + seconds * 1000)).toISOString());
  }
  for (const g of guards.values()) if (g.state !== 'closed' && g.retryAt) later(g.retryAt.toISOString());
}

