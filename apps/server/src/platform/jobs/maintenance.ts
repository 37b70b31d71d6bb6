import { z } from 'zod';
import { lt } from 'drizzle-orm';
import type { Database } from '../db/database';
import { defineJob } from './queue';
import { idempotencyKeys } from '../http/idempotency.tables';
import { backgroundTasks } from './tasks.tables';

/** Hourly housekeeping of platform tables (per tenant, under row-level security). */
export function maintenanceJob(database: Database) {
  return defineJob({
    name: 'platform.maintenance',
    payload: z.object({}).loose(),
    cron: '17 * * * *',
    retryLimit: 1,
    async run() {
      const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
      const dayAgo = new Date(Date.now() - 24 * 3600_000);
      const monthAgo = new Date(Date.now() - 30 * 24 * 3600_000);
      for (const { id } of tenants) {
        await database.withTenant(id, async (tx) => {
          await tx.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, dayAgo));
          await tx.delete(backgroundTasks).where(lt(backgroundTasks.createdAt, monthAgo));
        });
      }
      return { tenants: tenants.length };
    },
  });
}
