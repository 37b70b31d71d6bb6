import { messagingLimitOf } from '../channels';

export { messagingLimitOf, type MessagingLimit } from '../channels';

/**
 * The daily cap a campaign's sends follow on each of its numbers: its own cap, and no more than the
 * smallest messaging limit among them (recipients are spread evenly, so the tightest number sets
 * the pace). Approximate by design: the limit counts every conversation the number starts, not
 * only this campaign's.
 */
export function effectiveDailyCap(dailyCap: number | null, channels: { kind: string; providerState: Record<string, unknown> }[]): number | null {
  const caps = [dailyCap, ...channels.map((c) => messagingLimitOf(c).perDay)].filter((n): n is number => typeof n === 'number' && n > 0);
  return caps.length ? Math.min(...caps) : null;
}
