import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../platform/db/database';
import { memoInTx } from '../../platform/db/tx-memo';
import type { DomainEvents, NewContactScoring } from '../../platform/events/domain-events';
import { getTenant } from '../tenants';
import { blacklist, contacts } from './contacts.tables';
import { searchTextOf } from './contact-filter';
import { normalizePhone } from './phone';

export type ContactForSender = { contactId: string; created: boolean; phoneE164: string | null; country: string };

export type SenderLookup = { phone: string | null; email?: string | null; name?: string | null; source: string };

/**
 * The contacts behind people who wrote on a channel, for a whole batch of senders: each found by
 * the number's identity (any format of it), or by e-mail for an iMessage e-mail handle, or created
 * with the channel as its source. A few statements for the batch: one read of the known numbers and
 * e-mail addresses, then (when some are new) one read of the blacklist and one
 * multi-row insert of the new contacts, scored before they are written (`contacts.creating`).
 * Senders with the same number in any format, or the same e-mail without a number, get the same
 * contact. Senders with neither get a new contact each. Results are in the order of `senders`.
 * Safe against a concurrent transaction creating the same number: the unique phone key decides.
 */
export async function findOrCreateContactsForSenders(
  tx: Tx,
  events: DomainEvents,
  options: { tenantId: string; senders: SenderLookup[] },
): Promise<ContactForSender[]> {
  const { tenantId } = options;
  if (options.senders.length === 0) return [];
  const country = await memoInTx(tx, `tenant-country:${tenantId}`, async () => (await getTenant(tx, tenantId)).country);
  const wanted = options.senders.map((s) => {
    const phone = s.phone ? normalizePhone(s.phone, country) : null;
    const key = phone?.key && phone.valid ? phone.key : null;
    const email = s.email?.trim().toLowerCase() || null;
    return { s, phone, key, email: key ? null : email, rawEmail: email };
  });
  const keys = [...new Set(wanted.flatMap((w) => (w.key ? [w.key] : [])))];
  const emails = [...new Set(wanted.flatMap((w) => (w.email ? [w.email] : [])))];
  const find = async (keys: string[], emails: string[]) => {
    if (!keys.length && !emails.length) return [];
    return tx
      .select({ id: contacts.id, phoneKey: contacts.phoneKey, phoneE164: contacts.phoneE164, email: contacts.email })
      .from(contacts)
      .where(
        and(
          eq(contacts.tenantId, tenantId),
          sql`(${contacts.phoneKey} = any(${sql.param(keys)}::text[]) or ${contacts.email} = any(${sql.param(emails)}::text[]))`,
        ),
      )
      .orderBy(contacts.id);
  };
  const byKey = new Map<string, { id: string; phoneE164: string | null }>();
  const byEmail = new Map<string, { id: string; phoneE164: string | null }>();
  const remember = (rows: { id: string; phoneKey: string | null; phoneE164: string | null; email: string | null }[]) => {
    for (const r of rows) {
      if (r.phoneKey && !byKey.has(r.phoneKey)) byKey.set(r.phoneKey, r);
      // The lowest id wins for an e-mail address, as the one-by-one lookup does.
      if (r.email && !byEmail.has(r.email)) byEmail.set(r.email, r);
    }
  };
  remember(await find(keys, emails));

  // New contacts: one per number, one per e-mail address without a number, one per sender with neither.
  type New = (typeof wanted)[number] & { id: string };
  const created = new Map<string, New>();
  const newOf: (New | null)[] = wanted.map((w) => {
    if (w.key ? byKey.has(w.key) : w.email && byEmail.has(w.email)) return null;
    const dedupe = w.key ? `k:${w.key}` : w.email ? `e:${w.email}` : null;
    const existing = dedupe ? created.get(dedupe) : undefined;
    if (existing) return existing;
    const n = { ...w, id: uuidv7() };
    created.set(dedupe ?? `n:${n.id}`, n);
    return n;
  });
  const inserts = [...created.values()];
  const inserted = new Set<string>();
  if (inserts.length) {
    const newKeys = inserts.flatMap((c) => (c.key ? [c.key] : []));
    const listed = newKeys.length
      ? new Set(
          (
            await tx
              .select({ phoneKey: blacklist.phoneKey })
              .from(blacklist)
              .where(and(eq(blacklist.tenantId, tenantId), sql`${blacklist.phoneKey} = any(${sql.param(newKeys)}::text[])`))
          ).map((b) => b.phoneKey),
        )
      : new Set<string>();
    const rows = inserts.map((c) => {
      const [firstName = '', ...rest] = (c.s.name ?? '').trim().split(/\s+/);
      const lastName = rest.join(' ');
      return {
        id: c.id,
        firstName: firstName.slice(0, 200),
        lastName: lastName.slice(0, 200),
        email: c.rawEmail,
        phoneRaw: c.s.phone ?? '',
        phoneE164: c.phone?.e164 ?? null,
        phoneKey: c.key,
        phoneValid: c.phone?.valid ?? false,
        phoneType: c.phone?.type ?? null,
        phoneCountry: c.phone?.country ?? null,
        source: c.s.source,
        searchText: searchTextOf({ firstName, lastName, email: c.rawEmail }),
        blacklisted: !!c.key && listed.has(c.key),
      };
    });
    const subjects: NewContactScoring[] = rows.map((r) => ({
      phoneValid: r.phoneValid,
      phoneType: r.phoneType,
      email: r.email,
      website: null,
      company: '',
      firstName: r.firstName,
      lastName: r.lastName,
      source: r.source,
      tags: [],
      attributes: {},
      blacklisted: r.blacklisted,
      consent: {},
      scores: null,
    }));
    // Scoring (a module above this one) fills in the scores, so each new row is written once.
    await events.emit(tx, 'contacts.creating', { tenantId, contacts: subjects });
    const values = rows.map((r, i) => {
      const scores = subjects[i]!.scores;
      return {
        tenantId,
        ...r,
        ...(scores
          ? { scoreContactability: scores.contactability, scoreDigitalMaturity: scores.digitalMaturity, scorePotential: scores.potential, scoreDetails: scores.details as never, scoredAt: scores.at }
          : {}),
      };
    });
    const returned = await tx
      .insert(contacts)
      .values(values)
      .onConflictDoNothing({ target: [contacts.tenantId, contacts.phoneKey], where: sql`${contacts.phoneKey} is not null` })
      .returning({ id: contacts.id });
    for (const r of returned) inserted.add(r.id);
    // Another transaction created some of these numbers first: theirs are the contacts.
    const lost = inserts.filter((c) => !inserted.has(c.id));
    if (lost.length) {
      const taken = await find(lost.flatMap((c) => (c.key ? [c.key] : [])), []);
      for (const r of taken) if (r.phoneKey) byKey.set(r.phoneKey, r);
    }
    if (inserted.size) {
      const scored = subjects.every((x) => x.scores !== null);
      await events.emit(tx, 'contacts.changed', { tenantId, contactIds: [...inserted], scored });
    }
  }
  return wanted.map((w, i) => {
    const n = newOf[i];
    if (n && inserted.has(n.id)) return { contactId: n.id, created: true, phoneE164: n.phone?.e164 ?? null, country };
    const found = w.key ? byKey.get(w.key) : w.email ? byEmail.get(w.email) : undefined;
    if (!found) throw new Error('a contact for a sender was neither found nor created');
    return { contactId: found.id, created: false, phoneE164: found.phoneE164, country };
  });
}
