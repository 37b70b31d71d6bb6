import { type z } from 'zod';
import { AuditEvent, AuditQuery, ListQuery, page } from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import type { ModuleDeps } from '../../platform/deps';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import { findAuditEvents } from './audit.service';
import type { auditEvents } from './audit.tables';

const isCursor = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]));

export function auditRoutes(deps: ModuleDeps) {
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/audit',
      {
        config: { auth: { permission: 'audit.read' } },
        schema: { tags: ['audit'], querystring: ListQuery.extend(AuditQuery.shape), response: { 200: page(AuditEvent) } },
      },
      async (request) => {
        const { tenantId } = principalOf(request);
        const { limit, cursor, ...filter } = request.query;
        const after = decodeCursor(cursor, isCursor);
        const rows = await deps.database.withTenant(tenantId, (tx) =>
          findAuditEvents(tx, {
            tenantId,
            filter,
            limit: limit + 1,
            ...(after ? { cursor: { at: new Date(after[0]), id: after[1] } } : {}),
          }),
        );
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return {
          items: items.map(presentAuditEvent),
          nextCursor: rows.length > limit && last ? encodeCursor([last.at.toISOString(), last.id]) : null,
        };
      },
    );
  };
}

function presentAuditEvent(row: typeof auditEvents.$inferSelect): z.infer<typeof AuditEvent> {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    actorLabel: row.actorLabel,
    action: row.action,
    outcome: row.outcome,
    targetType: row.targetType,
    targetId: row.targetId,
    ip: row.ip,
    userAgent: row.userAgent,
    details: row.details,
  };
}
