import { SET_TENANT, type Database } from '../../platform/db/database';

/**
 * The reservation: the bucket's level drops by `count` (it may go below zero, a debt that refills at
 * the channel's rate); a new bucket starts full (one token), as takeSendToken's first call finds it.
 */
const RESERVE = `
  insert into channel_send_buckets as b (tenant_id, channel_id, tokens, refilled_at)
  values ($1::uuid, $2::uuid, 1 - $4::float8, clock_timestamp())
  on conflict (tenant_id, channel_id) do update
     set tokens = least(1, b.tokens + extract(epoch from clock_timestamp() - b.refilled_at) * $3::float8) - $4::float8,
         refilled_at = clock_timestamp()
  returning tokens`;

/**
 * Reserves `count` send slots of a channel account at once, on the same bucket as takeSendToken
 * (see channelSendBuckets): the bucket's level drops by `count` in one statement and may go below
 * zero, a debt that refills at the channel's rate. Answers, for each slot in order, the seconds to
 * wait before using it: slot i opens when the level it was taken from has refilled to i + 1, so
 * slots are spaced 1/perSecond apart after the tokens already there, never bursted past capacity
 * one. Every sender of every process reserves from the same row, so a reservation made by one
 * drain pushes the next drain's slots behind it (and takeSendToken waits for the debt too).
 *
 * BEGIN, the tenant, the reservation and COMMIT travel together (postgres.js pipelines them on the
 * reserved connection): the bucket's row lock is held only while the server runs them, never over
 * a round trip to a busy process. With the commit sent after the answer, every drain of a channel
 * queued behind the slowest event loop holding its lock (measured: the Cloud API bench on
 * PostgreSQL spent its time in lock waits on this row and transactions idle in between).
 */
export async function reserveSendSlots(database: Database, options: { tenantId: string; channelId: string; perSecond: number; count: number }): Promise<number[]> {
  const { tenantId, channelId, perSecond, count } = options;
  if (count <= 0) return [];
  const connection = await database.sql.reserve();
  let tokens: number;
  try {
    const statements = [
      connection.unsafe('begin').execute(),
      connection.unsafe(SET_TENANT, [tenantId], { prepare: true }).execute(),
      connection.unsafe<{ tokens: number }[]>(RESERVE, [tenantId, channelId, perSecond, count], { prepare: true }).execute(),
      connection.unsafe('commit').execute(),
    ] as const;
    const settled = await Promise.allSettled(statements);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      await connection.unsafe('rollback').catch(() => undefined);
      throw (failed as PromiseRejectedResult).reason;
    }
    const committed = await statements[3];
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error.
    if (committed.command !== 'COMMIT') throw new Error(`reserving send slots ended with ${committed.command}`);
    tokens = Number((await statements[2])[0]!.tokens);
  } finally {
    connection.release();
  }
  // The level the slots were taken from: what is left plus what was taken.
  const from = tokens + count;
  return Array.from({ length: count }, (_, i) => Math.max(0, (i + 1 - from) / perSecond));
}
