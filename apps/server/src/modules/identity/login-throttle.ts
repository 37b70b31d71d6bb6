import { and, gt, inArray, max, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { authThrottle } from './identity.tables';
import { equalsAny } from '../../platform/db/equals-any';

/**
 * Brute-force limits for password and second-factor checks, kept in the database so they hold
 * across processes and restarts. Keys: `account:<login>` (whether or not the account exists, so
 * the answer reveals nothing) and `ip:<address>`.
 */
export const LOGIN_LIMITS = {
  account: { max: 10, windowMs: 15 * 60_000 },
  ip: { max: 100, windowMs: 15 * 60_000 },
} as const;

export const accountKey = (login: string) => `account:${login.trim().toLowerCase()}`;
export const ipKey = (ip: string | null) => `ip:${ip ?? 'unknown'}`;

/** When the latest block among `keys` ends, or null if none is blocked at `now`. */
export async function blockedUntil(tx: Tx, keys: string[], now: Date): Promise<Date | null> {
  const [row] = await tx
    .select({ until: max(authThrottle.blockedUntil) })
    .from(authThrottle)
    .where(and(equalsAny(authThrottle.key, keys), gt(authThrottle.blockedUntil, now)));
  return row?.until ?? null;
}

/** Counts one failure; the key is blocked for a full window once it reaches the limit. */
export async function recordFailure(tx: Tx, options: { key: string; limit: { max: number; windowMs: number }; now: Date }) {
  const { key, limit, now } = options;
  const at = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;
  const expired = sql`${authThrottle.windowStart} <= ${at(now.getTime() - limit.windowMs)}`;
  const failures = sql`case when ${expired} then 1 else ${authThrottle.failures} + 1 end`;
  await tx
    .insert(authThrottle)
    .values({ key, windowStart: now, failures: 1, blockedUntil: limit.max <= 1 ? new Date(now.getTime() + limit.windowMs) : null })
    .onConflictDoUpdate({
      target: authThrottle.key,
      set: {
        windowStart: sql`case when ${expired} then ${at(now.getTime())} else ${authThrottle.windowStart} end`,
        failures,
        blockedUntil: sql`case when ${failures} >= ${limit.max} then ${at(now.getTime() + limit.windowMs)} else ${authThrottle.blockedUntil} end`,
      },
    });
}

export async function clearFailures(tx: Tx, key: string) {
  await tx.delete(authThrottle).where(inArray(authThrottle.key, [key]));
}
