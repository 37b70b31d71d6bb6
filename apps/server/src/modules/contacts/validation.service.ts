import { and, count, desc, eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import type { Principal } from '../../platform/http/auth';
import { defineJob } from '../../platform/jobs/queue';
import { getTenant } from '../tenants';
import { userNames } from '../identity';
import { contacts, validationEvents, type ValidationAction } from './contacts.tables';
import { findContact } from './contacts.repository';
import { contactNotFound } from './contacts.errors';

const DAY_MS = 24 * 3600_000;

/** Days an approval stays valid (tenant setting `validationExpiryDays`); null: forever. */
export async function validationExpiryDays(tx: Tx, tenantId: string): Promise<number | null> {
  const days = (await getTenant(tx, tenantId)).settings.validationExpiryDays;
  return typeof days === 'number' && days > 0 ? days : null;
}

/**
 * The validation queue: a person looks at a prospect and says it is technically valid (or not).
 * Who and when are recorded; an approval can expire after the tenant's number of days.
 */
export function createValidationService(deps: ModuleDeps) {
  const { database, events, clock } = deps;

  async function decide(options: { principal: Principal; contactId: string; action: Extract<ValidationAction, 'approved' | 'rejected' | 'note'>; reason?: string | null; note?: string | null }) {
    const { principal, contactId, action } = options;
    const { tenantId } = principal;
    return database.withTenant(tenantId, async (tx) => {
      const contact = await findContact(tx, { tenantId, contactId });
      if (!contact) throw contactNotFound();
      const now = clock.now();
      if (action !== 'note') {
        const days = action === 'approved' ? await validationExpiryDays(tx, tenantId) : null;
        await tx
          .update(contacts)
          .set({
            validationStatus: action,
            validatedAt: now,
            validatedBy: principal.userId,
            validationReason: action === 'rejected' ? (options.reason ?? null) : null,
            validationExpiresAt: days ? new Date(now.getTime() + days * DAY_MS) : null,
          })
          .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, contactId)));
      }
      await tx.insert(validationEvents).values({
        tenantId,
        contactId,
        action,
        reason: options.reason ?? null,
        note: options.note ?? null,
        userId: principal.userId,
        at: now,
      });
      if (action !== 'note') await events.emit(tx, 'contacts.changed', { tenantId, contactIds: [contactId] });
      return (await findContact(tx, { tenantId, contactId }))!;
    });
  }

  async function history(options: { principal: Principal; contactId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      if (!(await findContact(tx, { tenantId, contactId: options.contactId }))) throw contactNotFound();
      return tx
        .select()
        .from(validationEvents)
        .where(and(eq(validationEvents.tenantId, tenantId), eq(validationEvents.contactId, options.contactId)))
        .orderBy(desc(validationEvents.at), desc(validationEvents.id));
    });
  }

  /** Pending count and, per reviewer, how many they approved and rejected (all time and today). */
  async function stats(principal: Principal) {
    const { tenantId } = principal;
    return database.withTenant(tenantId, async (tx) => {
      const [pending] = await tx
        .select({ n: count() })
        .from(contacts)
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.validationStatus, 'pending')));
      const since = new Date(clock.now().getTime() - DAY_MS);
      const rows = await tx
        .select({
          userId: validationEvents.userId,
          action: validationEvents.action,
          n: count(),
          today: sql<number>`count(*) filter (where ${validationEvents.at} >= ${since.toISOString()}::timestamptz)`.mapWith(Number),
        })
        .from(validationEvents)
        .where(and(eq(validationEvents.tenantId, tenantId), sql`${validationEvents.action} in ('approved', 'rejected')`))
        .groupBy(validationEvents.userId, validationEvents.action);
      const names = await userNames(tx, { tenantId, userIds: [...new Set(rows.map((r) => r.userId).filter((u): u is string => !!u))] });
      const reviewers = new Map<string, { userId: string; name: string; approved: number; rejected: number }>();
      for (const r of rows) {
        if (!r.userId) continue;
        const entry = reviewers.get(r.userId) ?? { userId: r.userId, name: names.get(r.userId) ?? '—', approved: 0, rejected: 0 };
        if (r.action === 'approved') entry.approved += r.n;
        if (r.action === 'rejected') entry.rejected += r.n;
        reviewers.set(r.userId, entry);
      }
      const approvedToday = rows.filter((r) => r.action === 'approved').reduce((s, r) => s + r.today, 0);
      return { pending: pending?.n ?? 0, approvedToday, reviewers: [...reviewers.values()].sort((a, b) => b.approved + b.rejected - (a.approved + a.rejected)) };
    });
  }

  /** Approvals past their expiry go back to the queue, with an `expired` event. Runs hourly per tenant. */
  async function expireDue(tenantId: string) {
    return database.withTenant(tenantId, async (tx) => {
      const now = clock.now();
      const expired = await tx
        .update(contacts)
        .set({ validationStatus: 'pending', validationExpiresAt: null })
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.validationStatus, 'approved'), lt(contacts.validationExpiresAt, now)))
        .returning({ id: contacts.id });
      if (expired.length === 0) return 0;
      await tx.insert(validationEvents).values(expired.map((e) => ({ tenantId, contactId: e.id, action: 'expired' as const, at: now })));
      await events.emit(tx, 'contacts.changed', { tenantId, contactIds: expired.map((e) => e.id) });
      return expired.length;
    });
  }

  const expireJob = defineJob({
    name: 'contacts.expire-validations',
    payload: z.object({}).loose(),
    cron: '7 * * * *',
    retryLimit: 1,
    async run() {
      const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
      let expired = 0;
      for (const { id } of tenants) expired += await expireDue(id);
      return { expired };
    },
  });

  return { decide, history, stats, expireDue, expireJob };
}

