import { and, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ContactFilter } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError, forbidden } from '../../platform/errors';
import { defineJob } from '../../platform/jobs/queue';
import { actorOf, recordAudit, systemActor } from '../audit';
import { getTenant } from '../tenants';
import { userBelongsToTenant } from '../identity';
import { contacts } from './contacts.tables';
import { allOf, filterConditions } from './contact-filter';
import { findContactIdsAfter } from './contacts.repository';
import { equalsAny } from '../../platform/db/equals-any';

export const BulkAction = z.enum(['tag', 'untag', 'assign', 'delete', 'rescore']);
export const BulkBody = z
  .strictObject({
    filter: ContactFilter.optional(),
    contactIds: z.array(z.uuid()).max(10_000).optional(),
    action: BulkAction,
    tags: z.array(z.string().trim().min(1).max(60)).max(20).optional(),
    ownerId: z.uuid().nullable().optional(),
  })
  .refine((b) => (b.filter === undefined) !== (b.contactIds === undefined), { message: 'give either filter or contactIds', path: ['filter'] })
  .refine((b) => !['tag', 'untag'].includes(b.action) || (b.tags?.length ?? 0) > 0, { message: 'tags are required', path: ['tags'] })
  .refine((b) => b.action !== 'assign' || b.ownerId !== undefined, { message: 'ownerId is required', path: ['ownerId'] });

const PERMISSION: Record<z.infer<typeof BulkAction>, string> = {
  tag: 'contacts.write',
  untag: 'contacts.write',
  assign: 'contacts.write',
  delete: 'contacts.delete',
  rescore: 'scoring.manage',
};
const PAGE = 1000;

/** Tag, untag, assign, delete or re-score many contacts, as a background job with progress. */
export function createBulkService(deps: ModuleDeps) {
  const { database, jobs, events } = deps;

  const bulkJob = defineJob({
    name: 'contacts.bulk',
    payload: z.object({ body: z.any(), userId: z.uuid() }),
    expireInSeconds: 3600,
    async run(payload, ctx) {
      const tenantId = ctx.tenantId!;
      const body = BulkBody.parse(payload.body);
      const country = await database.withTenant(tenantId, async (tx) => (await getTenant(tx, tenantId)).country);
      const filter = body.filter ?? {};
      const total = body.contactIds
        ? body.contactIds.length
        : await database.withTenant(tenantId, async (tx) => (await tx.select({ n: count() }).from(contacts).where(allOf(filterConditions(filter, { tenantId, country }))))[0]!.n);
      let done = 0;
      let afterId: string | null = null;
      await ctx.progress(0, total);
      for (;;) {
        // Pages walk by id, so deleting or re-tagging a page never shifts the next one.
        const ids: string[] = body.contactIds
          ? body.contactIds.slice(done, done + PAGE)
          : await database.withTenant(tenantId, (tx) => findContactIdsAfter(tx, { tenantId, country, filter, afterId, limit: PAGE }));
        if (ids.length === 0) break;
        await database.withTenant(tenantId, async (tx) => {
          const where = and(eq(contacts.tenantId, tenantId), equalsAny(contacts.id, ids));
          switch (body.action) {
            case 'tag':
              await tx.update(contacts).set({ tags: sql`array(select distinct unnest(${contacts.tags} || ${sql.param(body.tags!)}::text[]))` }).where(where);
              break;
            case 'untag':
              await tx.update(contacts).set({ tags: sql`array(select t from unnest(${contacts.tags}) t where t <> all(${sql.param(body.tags!)}::text[]))` }).where(where);
              break;
            case 'assign':
              await tx.update(contacts).set({ ownerId: body.ownerId ?? null }).where(where);
              break;
            case 'delete':
              await tx.delete(contacts).where(where);
              break;
            case 'rescore':
              break;
          }
          if (body.action !== 'delete') await events.emit(tx, 'contacts.changed', { tenantId, contactIds: ids });
        });
        done += ids.length;
        afterId = ids.at(-1)!;
        await ctx.progress(done, Math.max(total, done));
        if (body.contactIds ? done >= body.contactIds.length : ids.length < PAGE) break;
      }
      await database.withTenant(tenantId, (tx) =>
        recordAudit(tx, { tenantId, actor: { ...systemActor, id: payload.userId, type: 'user', label: null }, action: `contacts.bulk_${body.action}`, details: { contacts: done } }),
      );
      return { contacts: done };
    },
  });

  async function start(options: { principal: Principal; body: z.output<typeof BulkBody> }) {
    const { principal, body } = options;
    const needed = PERMISSION[body.action];
    if (!principal.permissions.has(needed)) throw forbidden(needed);
    if (body.action === 'assign' && body.ownerId) {
      const ok = await database.withTenant(principal.tenantId, (tx) => userBelongsToTenant(tx, { tenantId: principal.tenantId, userId: body.ownerId! }));
      if (!ok) throw new AppError('validation_failed', 'The owner is not a user of this workspace', { field: 'ownerId' });
    }
    const { taskId } = await database.withTenant(principal.tenantId, async (tx) => {
      await recordAudit(tx, { tenantId: principal.tenantId, actor: actorOf(principal), action: 'contacts.bulk_requested', details: { action: body.action } });
      return jobs.enqueue(bulkJob, { body, userId: principal.userId }, { tenantId: principal.tenantId, tx, task: { kind: `contacts.bulk-${body.action}`, createdBy: principal.userId } });
    });
    return { taskId };
  }

  return { start, bulkJob };
}
