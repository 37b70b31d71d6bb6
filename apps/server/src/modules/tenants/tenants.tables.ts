import { boolean, char, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, newId, updatedAt } from '../../platform/db/columns';

export type TenantStatus = 'active' | 'grace' | 'suspended';
export type TenantSettings = Record<string, unknown>;

/** The tenant registry. Its own `id` is the tenant id its row-level policy compares with. */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid().primaryKey().$defaultFn(newId),
    slug: text().notNull(),
    name: text().notNull(),
    timezone: text().notNull(),
    country: char({ length: 2 }).notNull(),
    locale: text().notNull(),
    plan: text().notNull().default('free'),
    status: text().$type<TenantStatus>().notNull().default('active'),
    requireTwoFactor: boolean().notNull().default(false),
    settings: jsonb().$type<TenantSettings>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('tenants_slug_key').on(t.slug)],
);
