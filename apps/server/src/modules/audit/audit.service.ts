import { and, desc, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import type { Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { auditEvents, platformAuditEvents, type ActorType } from './audit.tables';

export type Actor = { type: ActorType; id: string | null; label: string | null };

export const actorOf = (principal: Principal): Actor => ({
  type: principal.kind === 'api_key' ? 'api_key' : 'user',
  id: principal.actorId,
  label: principal.actorLabel,
});

export const systemActor: Actor = { type: 'system', id: null, label: 'system' };
export const operatorActor: Actor = { type: 'operator', id: null, label: 'operator (CLI)' };

export type AuditEntry = {
  tenantId: string;
  actor: Actor;
  action: string;
  outcome?: 'success' | 'failure';
  target?: { type: string; id: string };
  meta?: RequestMeta;
  details?: Record<string, unknown>;
};

/** Appends one row to the tenant's audit trail, inside the caller's transaction. */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    tenantId: entry.tenantId,
    // Millisecond precision, like the keyset cursors that page through it.
    at: new Date(),
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    actorLabel: entry.actor.label,
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    ip: entry.meta?.ip ?? null,
    userAgent: entry.meta?.userAgent ?? null,
    details: entry.details ?? {},
  });
}

/** For security events that belong to no tenant (a failed login for an unknown account). */
export async function recordPlatformAudit(
  tx: Tx,
  entry: { action: string; actorLabel: string | null; meta?: RequestMeta; details?: Record<string, unknown> },
): Promise<void> {
  await tx.insert(platformAuditEvents).values({
    action: entry.action,
    actorLabel: entry.actorLabel,
    ip: entry.meta?.ip ?? null,
    userAgent: entry.meta?.userAgent ?? null,
    details: entry.details ?? {},
  });
}

export type AuditFilter = { actorId?: string; action?: string; from?: string; to?: string };

/** Newest first, keyset-paginated on (at, id). */
export async function findAuditEvents(
  tx: Tx,
  options: { tenantId: string; filter: AuditFilter; limit: number; cursor?: { at: Date; id: string } },
) {
  const { tenantId, filter, cursor } = options;
  const where: (SQL | undefined)[] = [eq(auditEvents.tenantId, tenantId)];
  if (filter.actorId) where.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.action) where.push(eq(auditEvents.action, filter.action));
  if (filter.from) where.push(gte(auditEvents.at, new Date(filter.from)));
  if (filter.to) where.push(lte(auditEvents.at, new Date(filter.to)));
  if (cursor) {
    where.push(or(lt(auditEvents.at, cursor.at), and(eq(auditEvents.at, cursor.at), lt(auditEvents.id, cursor.id))));
  }
  return tx
    .select()
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(options.limit);
}
