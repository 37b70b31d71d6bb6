import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { HouseholdMemberInput, HouseholdMemberPatch } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import type { Principal } from '../../platform/http/auth';
import { householdMembers } from './contacts.tables';
import { findContact } from './contacts.repository';
import { confirmedMemberProtected, contactNotFound, memberNotFound } from './contacts.errors';

type MemberRow = typeof householdMembers.$inferSelect;

export const presentMember = (m: MemberRow) => ({ id: m.id, name: m.name, relation: m.relation, phone: m.phone, confirmed: m.confirmed });

/**
 * Household members of a contact. A confirmed member is protected: it can be unconfirmed by a
 * person, but not edited or deleted while confirmed — and automation (imports, the AI assistant)
 * never touches confirmed members at all.
 */
export function createHouseholdService(deps: ModuleDeps) {
  const { database } = deps;

  async function scoped<T>(principal: Principal, contactId: string, fn: (tx: Tx) => Promise<T>) {
    return database.withTenant(principal.tenantId, async (tx) => {
      if (!(await findContact(tx, { tenantId: principal.tenantId, contactId }))) throw contactNotFound();
      return fn(tx);
    });
  }

  const list = (options: { principal: Principal; contactId: string }) =>
    scoped(options.principal, options.contactId, async (tx) =>
      (
        await tx
          .select()
          .from(householdMembers)
          .where(and(eq(householdMembers.tenantId, options.principal.tenantId), eq(householdMembers.contactId, options.contactId)))
          .orderBy(asc(householdMembers.createdAt))
      ).map(presentMember),
    );

  const add = (options: { principal: Principal; contactId: string; input: z.output<typeof HouseholdMemberInput> }) =>
    scoped(options.principal, options.contactId, async (tx) => {
      const [row] = await tx
        .insert(householdMembers)
        .values({ tenantId: options.principal.tenantId, contactId: options.contactId, ...options.input, phone: options.input.phone ?? null })
        .returning();
      return presentMember(row!);
    });

  async function member(tx: Tx, options: { principal: Principal; contactId: string; memberId: string }) {
    const [row] = await tx
      .select()
      .from(householdMembers)
      .where(
        and(
          eq(householdMembers.tenantId, options.principal.tenantId),
          eq(householdMembers.contactId, options.contactId),
          eq(householdMembers.id, options.memberId),
        ),
      );
    if (!row) throw memberNotFound();
    return row;
  }

  const update = (options: { principal: Principal; contactId: string; memberId: string; input: z.output<typeof HouseholdMemberPatch> }) =>
    scoped(options.principal, options.contactId, async (tx) => {
      const current = await member(tx, options);
      const { input } = options;
      const onlyUnconfirms = input.confirmed === false && Object.entries(input).every(([k, v]) => k === 'confirmed' || v === undefined);
      if (current.confirmed && !onlyUnconfirms) throw confirmedMemberProtected();
      const [row] = await tx
        .update(householdMembers)
        .set({ ...input, ...(input.phone !== undefined ? { phone: input.phone ?? null } : {}) })
        .where(and(eq(householdMembers.tenantId, options.principal.tenantId), eq(householdMembers.id, current.id)))
        .returning();
      return presentMember(row!);
    });

  const remove = (options: { principal: Principal; contactId: string; memberId: string }) =>
    scoped(options.principal, options.contactId, async (tx) => {
      const current = await member(tx, options);
      if (current.confirmed) throw confirmedMemberProtected();
      await tx.delete(householdMembers).where(and(eq(householdMembers.tenantId, options.principal.tenantId), eq(householdMembers.id, current.id)));
    });

  return { list, add, update, remove };
}
