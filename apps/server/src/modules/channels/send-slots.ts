import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database';
import { channelSendBuckets } from './channels.tables';

/**
 * Reserves `count` send slots of a channel account at once, on the same bucket as takeSendToken
 * (see channelSendBuckets): the bucket's level drops by `count` in one statement and may go below
 * zero, a debt that refills at the channel's rate. Answers, for each slot in order, the seconds to
 * wait before using it: slot i opens when the level it was taken from has refilled to i + 1, so
 * slots are spaced 1/perSecond apart after the tokens already there, never bursted past capacity
 * one. Every sender of every process reserves from the same row, so a reservation made by one
 * drain pushes the next drain's slots behind it (and takeSendToken waits for the debt too).
 */
export async function reserveSendSlots(database: Database, options: { tenantId: string; channelId: string; perSecond: number; count: number }): Promise<number[]> {
  const { tenantId, channelId, perSecond, count } = options;
  if (count <= 0) return [];
  const level = sql`least(1, ${channelSendBuckets.tokens} + extract(epoch from clock_timestamp() - ${channelSendBuckets.refilledAt}) * ${perSecond}::float8)`;
  const [row] = await database.withTenant(tenantId, (tx) =>
    tx
      .insert(channelSendBuckets)
      // A new bucket starts full (one token), as takeSendToken's first call finds it.
      .values({ tenantId, channelId, tokens: 1 - count, refilledAt: sql`clock_timestamp()` })
      .onConflictDoUpdate({
        target: [channelSendBuckets.tenantId, channelSendBuckets.channelId],
        set: { tokens: sql`${level} - ${count}::float8`, refilledAt: sql`clock_timestamp()` },
      })
      .returning({ tokens: channelSendBuckets.tokens }),
  );
  // The level the slots were taken from: what is left plus what was taken.
  const from = Number(row!.tokens) + count;
  return Array.from({ length: count }, (_, i) => Math.max(0, (i + 1 - from) / perSecond));
}
