import { dailyCapOf, messagingLimitOf } from '../channels';

export { messagingLimitOf, type MessagingLimit } from '../channels';

/**
 * The daily cap a campaign's sends follow on each of its numbers: its own cap, and no more than the
 * smallest messaging limit (a WhatsApp number's tier) or line cap (a BlueBubbles line's, 300 by
 * default) among them (recipients are spread evenly, so the tightest number sets the pace).
 * Approximate by design: those limits count everything the number sends, not only this campaign's.
 */
export function effectiveDailyCap(dailyCap: number | null, channels: { kind: string; providerState: Record<string, unknown>; settings?: Record<string, unknown> }[]): number | null {
  const caps = [dailyCap, ...channels.flatMap((c) => [messagingLimitOf(c).perDay, dailyCapOf(c.kind, c.settings ?? {})])].filter((n): n is number => typeof n === 'number' && n > 0);
  return caps.length ? Math.min(...caps) : null;
}
