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
