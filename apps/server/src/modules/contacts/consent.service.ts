import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import type { Principal } from '../../platform/http/auth';
import { AppError } from '../../platform/errors';
import { actorOf, recordAudit } from '../audit';
import { blacklist, consentEvents, consentStates, contacts, type ConsentChannel, type ConsentStatus } from './contacts.tables';
import { findContact } from './contacts.repository';
import { normalizePhone } from './phone';
import { contactNotFound } from './contacts.errors';

export type ConsentRecord = {
  tenantId: string;
  contactId: string;
  channel: ConsentChannel;
  status: ConsentStatus;
  source: string;
  text?: string | null;
  evidence?: Record<string, unknown>;
  recordedBy?: string | null;
  at?: Date;
};

/** Appends to the ledger and moves the current state, in the caller's transaction. */
export async function recordConsent(tx: Tx, record: ConsentRecord) {
  const at = record.at ?? new Date();
  const [event] = await tx
    .insert(consentEvents)
    .values({
      tenantId: record.tenantId,
      contactId: record.contactId,
      channel: record.channel,
      status: record.status,
      source: record.source,
      textShown: record.text ?? null,
      evidence: record.evidence ?? {},
      recordedBy: record.recordedBy ?? null,
      recordedAt: at,
    })
    .returning();
  await tx
    .insert(consentStates)
    .values({ tenantId: record.tenantId, contactId: record.contactId, channel: record.channel, status: record.status, eventId: event!.id, updatedAt: at })
    .onConflictDoUpdate({
      target: [consentStates.tenantId, consentStates.contactId, consentStates.channel],
      set: { status: record.status, eventId: event!.id, updatedAt: at },
    });
  return event!;
}

/** Puts a number on the do-not-contact list and marks every contact with it. Idempotent. */
export async function addToBlacklist(tx: Tx, options: { tenantId: string; phone: string; country: string; reason: string; source: string; addedBy: string | null }) {
  const phone = normalizePhone(options.phone, options.country);
  // An unparsable number is still blocked exactly as written (digits only).
  const key = phone.key ?? `raw:${options.phone.replace(/\D/g, '')}`;
  if (key === 'raw:') throw new AppError('validation_failed', 'That is not a phone number', { field: 'phone', reason: 'not_a_phone' });
  await tx
    .insert(blacklist)
    .values({ tenantId: options.tenantId, phoneKey: key, phoneE164: phone.e164, phoneRaw: options.phone, reason: options.reason, source: options.source, addedBy: options.addedBy })
    .onConflictDoNothing();
  const marked = await tx
    .update(contacts)
    .set({ blacklisted: true })
    .where(and(eq(contacts.tenantId, options.tenantId), eq(contacts.phoneKey, key)))
    .returning({ id: contacts.id });
  return { phoneKey: key, contactIds: marked.map((m) => m.id) };
}

export function createConsentService(deps: ModuleDeps & { countryOf(tx: Tx, tenantId: string): Promise<string> }) {
  const { database, events } = deps;

  async function record(options: { principal: Principal; contactId: string; input: Omit<ConsentRecord, 'tenantId' | 'contactId' | 'recordedBy'> }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const contact = await findContact(tx, { tenantId, contactId: options.contactId });
      if (!contact) throw contactNotFound();
      const event = await recordConsent(tx, { ...options.input, tenantId, contactId: contact.id, recordedBy: options.principal.userId });
      await events.emit(tx, 'contacts.changed', { tenantId, contactIds: [contact.id] });
      return event;
    });
  }

  async function history(options: { principal: Principal; contactId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const contact = await findContact(tx, { tenantId, contactId: options.contactId });
      if (!contact) throw contactNotFound();
      return tx
        .select()
        .from(consentEvents)
        .where(and(eq(consentEvents.tenantId, tenantId), eq(consentEvents.contactId, contact.id)))
        .orderBy(desc(consentEvents.recordedAt), desc(consentEvents.id));
    });
  }

  async function listBlacklist(options: { principal: Principal; limit: number; before?: { createdAt: string; phoneKey: string } }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, (tx) =>
      tx
        .select({
          entry: blacklist,
          contactCount: sql<number>`(select ${count()} from ${contacts} where ${contacts.tenantId} = ${blacklist.tenantId} and ${contacts.phoneKey} = ${blacklist.phoneKey})`.mapWith(Number),
        })
        .from(blacklist)
        .where(
          and(
            eq(blacklist.tenantId, tenantId),
            options.before
              ? sql`(${blacklist.createdAt}, ${blacklist.phoneKey}) < (${options.before.createdAt}::timestamptz, ${options.before.phoneKey})`
              : undefined,
          ),
        )
        .orderBy(desc(blacklist.createdAt), desc(blacklist.phoneKey))
        .limit(options.limit),
    );
  }

  async function block(options: { principal: Principal; phone: string; reason: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const result = await addToBlacklist(tx, {
        tenantId,
        phone: options.phone,
        country: await deps.countryOf(tx, tenantId),
        reason: options.reason,
        source: 'manual',
        addedBy: options.principal.userId,
      });
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'blacklist.added', target: { type: 'phone', id: result.phoneKey }, details: { reason: options.reason } });
      if (result.contactIds.length) await events.emit(tx, 'contacts.changed', { tenantId, contactIds: result.contactIds });
      const [entry] = await tx.select().from(blacklist).where(and(eq(blacklist.tenantId, tenantId), eq(blacklist.phoneKey, result.phoneKey)));
      return { entry: entry!, contactCount: result.contactIds.length };
    });
  }

  async function unblock(options: { principal: Principal; phoneKey: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const removed = await tx
        .delete(blacklist)
        .where(and(eq(blacklist.tenantId, tenantId), eq(blacklist.phoneKey, options.phoneKey)))
        .returning();
      if (removed.length === 0) throw new AppError('not_found', 'That number is not on the blacklist');
      const unmarked = await tx
        .update(contacts)
        .set({ blacklisted: false })
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.phoneKey, options.phoneKey)))
        .returning({ id: contacts.id });
      await recordAudit(tx, { tenantId, actor: actorOf(options.principal), action: 'blacklist.removed', target: { type: 'phone', id: options.phoneKey } });
      if (unmarked.length) await events.emit(tx, 'contacts.changed', { tenantId, contactIds: unmarked.map((u) => u.id) });
    });
  }

  return { record, history, listBlacklist, block, unblock };
}


/**
 * What the inbox calls when an inbound message says "STOP", "BAJA", "no me escriban"…: the opt-out
 * is recorded for that channel (and for every channel: the person asked not to be contacted) and
 * the number goes on the blacklist at once, in the caller's transaction, before any next send.
 */
export async function recordOptOut(
  tx: Tx,
  options: { tenantId: string; contactId: string; channel: ConsentChannel; country: string; phone: string | null; text: string; source: string; at?: Date },
) {
  const evidence = { message: options.text.slice(0, 1000) };
  for (const channel of new Set<ConsentChannel>([options.channel, 'any'])) {
    await recordConsent(tx, { tenantId: options.tenantId, contactId: options.contactId, channel, status: 'opted_out', source: options.source, text: options.text.slice(0, 2000), evidence, recordedBy: null, ...(options.at ? { at: options.at } : {}) });
  }
  if (options.phone) {
    await addToBlacklist(tx, { tenantId: options.tenantId, phone: options.phone, country: options.country, reason: `opt-out: "${options.text.slice(0, 200)}"`, source: options.source, addedBy: null });
  }
}
