import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { id, newId, tenantId, tstz } from '../../platform/db/columns';
import { tenants } from '../tenants/tenants.tables';

export type ActorType = 'user' | 'api_key' | 'system' | 'operator' | 'anonymous';

/** Append-only: the application role may insert and read, never update or delete. */
export const auditEvents = pgTable(
  'audit_events',
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: 'cascade' }),
    id: id(),
    at: tstz().notNull().defaultNow(),
    actorType: text().$type<ActorType>().notNull(),
    actorId: uuid(),
    actorLabel: text(),
    action: text().notNull(),
    outcome: text().$type<'success' | 'failure'>().notNull().default('success'),
    targetType: text(),
    targetId: text(),
    ip: text(),
    userAgent: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('audit_events_tenant_at_idx').on(t.tenantId, sql`${t.at} desc`),
    index('audit_events_tenant_actor_at_idx').on(t.tenantId, t.actorId, sql`${t.at} desc`),
    index('audit_events_tenant_action_at_idx').on(t.tenantId, t.action, sql`${t.at} desc`),
  ],
);

/** Security events that belong to no tenant, such as a failed login for an unknown account. */
export const platformAuditEvents = pgTable(
  'platform_audit_events',
  {
    id: uuid().primaryKey().$defaultFn(newId),
    at: tstz().notNull().defaultNow(),
    action: text().notNull(),
    actorLabel: text(),
    ip: text(),
    userAgent: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('platform_audit_events_at_idx').on(sql`${t.at} desc`)],
);
