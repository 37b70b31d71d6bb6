import type { AuditEvent } from '@leadmaster/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../lib/api';

export type AuditFilters = { actorId?: string; action?: string; from?: string; to?: string };

/** Actions the server records today, in the order the filter offers them. */
export const KNOWN_ACTIONS = [
  'auth.login',
  'auth.login_password_verified',
  'auth.login_blocked',
  'auth.logout',
  'auth.password_changed',
  'auth.2fa_enabled',
  'auth.2fa_disabled',
  'auth.recovery_codes_regenerated',
  'user.created',
  'user.role_changed',
  'user.disabled',
  'user.enabled',
  'user.2fa_reset',
  'role.created',
  'role.updated',
  'role.deleted',
  'api_key.created',
  'api_key.revoked',
  'tenant.created',
  'tenant.updated',
  'tenant.2fa_requirement_changed',
] as const;

/** A `yyyy-mm-dd` from a date input → the start (or end) of that local day, as ISO with offset. */
export function dayBoundary(day: string, edge: 'start' | 'end'): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  // The end of a day is the last millisecond before the next one starts.
  const at = edge === 'start' ? new Date(year, month, date).getTime() : new Date(year, month, date + 1).getTime() - 1;
  return new Date(at).toISOString();
}

export function useAuditEvents(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<AuditEvent>>(
        `/api/v1/audit${query({
          limit: 50,
          cursor: pageParam,
          actorId: filters.actorId,
          action: filters.action,
          from: filters.from ? dayBoundary(filters.from, 'start') : undefined,
          to: filters.to ? dayBoundary(filters.to, 'end') : undefined,
        })}`,
        signal,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}
