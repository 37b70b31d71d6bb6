import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { campaignRecipients, recipientIsPending } from './campaigns.tables';

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
