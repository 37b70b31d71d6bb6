import { bigint, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../db/columns';

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * User-visible background work (imports, bulk edits, …): the durable record of its progress,
 * so a progress bar survives a reload and a restart. The queue itself is pg-boss.
 */
export const backgroundTasks = pgTable(
  'background_tasks',
  {
    tenantId: tenantId(),
    id: id(),
    kind: text().notNull(),
    status: text().$type<TaskStatus>().notNull().default('queued'),
    progressDone: bigint({ mode: 'number' }).notNull().default(0),
    progressTotal: bigint({ mode: 'number' }),
    message: text(),
    result: jsonb().$type<Record<string, unknown>>(),
    error: text(),
    createdBy: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: tstz(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('background_tasks_tenant_created_idx').on(t.tenantId, t.createdAt.desc())],
);
