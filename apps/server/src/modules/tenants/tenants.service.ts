import { eq, sql } from 'drizzle-orm';
import type { Tenant } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import { newId } from '../../platform/db/columns';
import { tenants, type TenantStatus } from './tenants.tables';
import { slugTaken, tenantNotFound } from './tenants.errors';

export type NewTenant = { name: string; slug: string; timezone: string; country: string; locale: 'es' | 'en' };

/**
 * Creates a tenant. The transaction must not carry another tenant: this sets it to the new one,
 * since row-level security only lets a transaction write the tenant it is in.
 */
export async function createTenant(tx: Tx, input: NewTenant): Promise<typeof tenants.$inferSelect> {
  const [existing] = await tx.execute<{ id: string | null }>(sql`select app_tenant_id_by_slug(${input.slug}) as id`);
  if (existing?.id) throw slugTaken(input.slug);
  const id = newId();
  await tx.execute(sql`select set_config('app.tenant_id', ${id}, true)`);
  const [row] = await tx
    .insert(tenants)
    .values({ id, ...input, slug: input.slug.toLowerCase() })
    .onConflictDoNothing({ target: tenants.slug })
    .returning();
  if (!row) throw slugTaken(input.slug);
  return row;
}

export async function getTenant(tx: Tx, tenantId: string) {
  const [row] = await tx.select().from(tenants).where(eq(tenants.id, tenantId));
  if (!row) throw tenantNotFound();
  return row;
}

export async function findTenantIdBySlug(tx: Tx, slug: string): Promise<string | null> {
  const [row] = await tx.execute<{ id: string | null }>(sql`select app_tenant_id_by_slug(${slug}) as id`);
  return row?.id ?? null;
}

export async function updateTenant(
  tx: Tx,
  options: {
    tenantId: string;
    changes: Partial<Pick<typeof tenants.$inferInsert, 'name' | 'timezone' | 'country' | 'locale' | 'requireTwoFactor' | 'status'>> & {
      validationExpiryDays?: number | null | undefined;
    };
  },
) {
  const { validationExpiryDays, ...columns } = options.changes;
  const settings = validationExpiryDays === undefined ? {} : { settings: sql`${tenants.settings} || ${JSON.stringify({ validationExpiryDays })}::jsonb` };
  if (Object.keys(columns).length === 0 && validationExpiryDays === undefined) return getTenant(tx, options.tenantId);
  const [row] = await tx.update(tenants).set({ ...columns, ...settings }).where(eq(tenants.id, options.tenantId)).returning();
  if (!row) throw tenantNotFound();
  return row;
}

export async function setTenantStatus(tx: Tx, options: { tenantId: string; status: TenantStatus }) {
  return updateTenant(tx, { tenantId: options.tenantId, changes: { status: options.status } });
}

export function presentTenant(row: typeof tenants.$inferSelect): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    timezone: row.timezone,
    country: row.country,
    locale: row.locale === 'en' ? 'en' : 'es',
    plan: row.plan,
    status: row.status,
    requireTwoFactor: row.requireTwoFactor,
    validationExpiryDays: typeof row.settings.validationExpiryDays === 'number' ? row.settings.validationExpiryDays : null,
  };
}
