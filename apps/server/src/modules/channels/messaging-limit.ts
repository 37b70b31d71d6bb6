import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { channelConversationStarts } from './channels.tables';

/**
 * WhatsApp's messaging limit: how many unique people a number may start conversations with in a
 * rolling 24 hours (250, 1K, 10K, 100K, unlimited; Meta moves a number between tiers by its quality
 * and volume). The channel account keeps what Meta last said — `phone_number_quality_update`
 * (`current_limit`, per number) or `business_capability_update` (`max_daily_conversation_per_phone`)
 * — and a campaign never plans, nor sends, more new recipients per day on that number than that.
 */
const TIERS: Record<string, number | null> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1000,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null,
};

export type MessagingLimit = {
  /** Meta's tier name (TIER_1K…), or null when the number never reported one. */
  tier: string | null;
  /** Unique recipients per 24 h, or null for no limit (unlimited tier, not a WhatsApp number, not known). */
  perDay: number | null;
};

const tierOf = (perDay: number): string => Object.entries(TIERS).find(([, n]) => n === perDay)?.[0] ?? `${perDay}`;
const time = (v: unknown) => (typeof v === 'object' && v && typeof (v as { receivedAt?: unknown }).receivedAt === 'string' ? Date.parse((v as { receivedAt: string }).receivedAt) : 0);

/** The number's messaging limit from its kept provider state (the latest of the two webhooks that tell it). */
export function messagingLimitOf(channel: { kind: string; providerState: Record<string, unknown> }): MessagingLimit {
  if (channel.kind !== 'whatsapp_cloud') return { tier: null, perDay: null };
  const quality = channel.providerState.phone_number_quality_update as { current_limit?: unknown } | undefined;
  const capability = channel.providerState.business_capability_update as { max_daily_conversation_per_phone?: unknown } | undefined;
  const fromQuality = typeof quality?.current_limit === 'string' && quality.current_limit in TIERS ? { tier: quality.current_limit, perDay: TIERS[quality.current_limit]! } : null;
  const cap = capability?.max_daily_conversation_per_phone;
  const fromCapability = typeof cap === 'number' ? (cap > 0 ? { tier: tierOf(cap), perDay: cap } : { tier: 'TIER_UNLIMITED', perDay: null }) : null;
  if (fromQuality && fromCapability) return time(quality) >= time(capability) ? fromQuality : fromCapability;
  return fromQuality ?? fromCapability ?? { tier: null, perDay: null };
}

/** The advisory-lock class of a number's conversation starts ('LMCS'); the second key is hashtext(channel id). */
const STARTS_LOCK_CLASS = 0x4c4d4353;

/**
 * Takes places in a WhatsApp number's messaging limit for the recipients a send is about to start
 * conversations with (in the transaction that claims the messages, or that queues a person's inbox
 * reply, so the places commit with them). Someone started within the last 24 hours keeps their place; a new
 * recipient takes one while the tier has room; the others must wait. Serialised per number by a
 * transaction-level advisory lock, so the workers of every process together never start more than
 * `perDay` conversations in any rolling 24 hours, however many campaigns share the number (without
 * the lock, claims counting at the same time all see the same free places: messaging-limit.test.ts).
 * A place taken for a send that then fails stays taken: the limit errs on the safe side.
 * Answers who may be sent to now and, when some must wait, when the oldest place frees.
 */
export async function admitConversationStarts(tx: Tx, options: { tenantId: string; channelId: string; perDay: number; contactIds: string[] }): Promise<{ admitted: Set<string>; retryAt: Date | null }> {
  const { tenantId, channelId, perDay } = options;
  const wanted = [...new Set(options.contactIds)];
  if (wanted.length === 0) return { admitted: new Set(), retryAt: null };
  await tx.execute(sql`select pg_advisory_xact_lock(${STARTS_LOCK_CLASS}::int, hashtext(${channelId}::text))`);
  const starts = channelConversationStarts;
  const ofNumber = and(eq(starts.tenantId, tenantId), eq(starts.channelId, channelId));
  // Places older than the window are free again.
  await tx.delete(starts).where(and(ofNumber, sql`${starts.startedAt} <= now() - interval '24 hours'`));
  const [taken] = await tx.execute<{ used: number; oldest: string | null; known: string[] }>(sql`
    select (select count(*)::int from ${starts} where ${ofNumber}) as used,
           (select min(${starts.startedAt})::text from ${starts} where ${ofNumber}) as oldest,
           array(select ${starts.contactId}::text from ${starts} where ${ofNumber} and ${starts.contactId} = any(${sql.param(wanted)}::uuid[])) as known`);
  const known = new Set(taken!.known);
  const fresh = wanted.filter((id) => !known.has(id));
  const room = Math.max(0, perDay - taken!.used);
  const starting = fresh.slice(0, room);
  if (starting.length) {
    await tx.execute(sql`
      insert into ${starts} (tenant_id, channel_id, contact_id, started_at)
      select ${tenantId}::uuid, ${channelId}::uuid, c, now() from unnest(${sql.param(starting)}::uuid[]) as c
      on conflict (tenant_id, channel_id, contact_id) do update set started_at = excluded.started_at`);
  }
  const admitted = new Set([...known, ...starting]);
  if (starting.length === fresh.length) return { admitted, retryAt: null };
  // The first place to free: the oldest start (or, when the tier was empty until now, a day from now).
  const oldest = taken!.oldest ? new Date(taken!.oldest) : new Date();
  return { admitted, retryAt: new Date(oldest.getTime() + 24 * 60 * 60 * 1000) };
}
