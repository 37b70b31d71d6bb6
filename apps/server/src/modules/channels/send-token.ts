import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database';
import { channelSendBuckets } from './channels.tables';

/**
 * Takes one send token of a channel account (see channelSendBuckets). Answers 0 when it got one,
 * otherwise the seconds until the next token. One statement, so concurrent senders in any number
 * of processes never share a token.
 */
export async function takeSendToken(database: Database, options: { tenantId: string; channelId: string; perSecond: number }): Promise<number> {
  const { tenantId, channelId, perSecond } = options;
  const refill = sql`least(1, ${channelSendBuckets.tokens} + extract(epoch from clock_timestamp() - ${channelSendBuckets.refilledAt}) * ${perSecond}::float8)`;
  return database.withTenant(tenantId, async (tx) => {
    const taken = await tx
      .insert(channelSendBuckets)
      .values({ tenantId, channelId, tokens: 0, refilledAt: sql`clock_timestamp()` })
      .onConflictDoUpdate({
        target: [channelSendBuckets.tenantId, channelSendBuckets.channelId],
        set: { tokens: sql`${refill} - 1`, refilledAt: sql`clock_timestamp()` },
        setWhere: sql`${refill} >= 1`,
      })
      .returning({ tokens: channelSendBuckets.tokens });
    if (taken.length) return 0;
    const [bucket] = await tx
      .select({ level: sql<number>`${refill}` })
      .from(channelSendBuckets)
      .where(sql`${channelSendBuckets.tenantId} = ${tenantId} and ${channelSendBuckets.channelId} = ${channelId}`);
    return Math.max(0.001, (1 - Number(bucket?.level ?? 0)) / perSecond);
  });
}
