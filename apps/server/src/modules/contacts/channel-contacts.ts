import { and, eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../platform/db/database';
import { memoInTx } from '../../platform/db/tx-memo';
import type { DomainEvents, NewContactScoring } from '../../platform/events/domain-events';
import { getTenant } from '../tenants';
import { blacklist, contacts } from './contacts.tables';
import { searchTextOf } from './contact-filter';
import { normalizePhone } from './phone';
import { explanationsOf, storeExplanationsCte } from './scores.repository';
import { equalsAny } from '../../platform/db/equals-any';

export type ContactForSender = { contactId: string; created: boolean; phoneE164: string | null; country: string };

/** The tenant's country (the default for numbers written without one), read once per transaction. */
export const tenantCountryInTx = (tx: Tx, tenantId: string) => memoInTx(tx, `tenant-country:${tenantId}`, async () => (await getTenant(tx, tenantId)).country);

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
  const country = await tenantCountryInTx(tx, tenantId);
  const wanted = options.senders.map((s) => {
    const phone = s.phone ? normalizePhone(s.phone, country) : null;
    const key = phone?.key && phone.valid ? phone.key : null;
    const email = s.email?.trim().toLowerCase() || null;
    return { s, phone, key, email: key ? null : email, rawEmail: email };
  });
  const keys = [...new Set(wanted.flatMap((w) => (w.key ? [w.key] : [])))];
  const emails = [...new Set(wanted.flatMap((w) => (w.email ? [w.email] : [])))];
  // One probe of an index per number and per address (a lateral sub-select, kept from being
  // flattened into a join by `limit`/`offset 0`): never a scan of the tenant's contacts with the
  // lists as a per-row filter, which a young table's statistics can make the planner choose
  // (decision 0033). Ordered by id, as the e-mail rule below needs.
  const find = async (keys: string[], emails: string[]) => {
    if (!keys.length && !emails.length) return [];
    const rows = await tx.execute<{ id: string; phone_key: string | null; phone_e164: string | null; email: string | null }>(sql`
      select c.id, c.phone_key, c.phone_e164, c.email from (
        select l.* from unnest(${sql.param(keys)}::text[]) as v(k)
          cross join lateral (select x.id, x.phone_key, x.phone_e164, x.email from ${contacts} as x where x.tenant_id = ${tenantId} and x.phone_key = v.k limit 1) as l
        union
        select l.* from unnest(${sql.param(emails)}::text[]) as v(e)
          cross join lateral (select x.id, x.phone_key, x.phone_e164, x.email from ${contacts} as x where x.tenant_id = ${tenantId} and x.email = v.e offset 0) as l
      ) as c
      order by c.id`);
    return rows.map((r) => ({ id: r.id, phoneKey: r.phone_key, phoneE164: r.phone_e164, email: r.email }));
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
              .where(and(eq(blacklist.tenantId, tenantId), equalsAny(blacklist.phoneKey, newKeys)))
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
    // One array per column (a statement whose text is the same for every batch: prepared once).
    const arr = <T>(f: (r: (typeof rows)[number], i: number) => T) => sql.param(rows.map(f));
    const score = (f: (s: NonNullable<NewContactScoring['scores']>) => number) => arr((_, i) => (subjects[i]!.scores ? f(subjects[i]!.scores!) : 0));
    const explanations = explanationsOf(subjects.map((x) => x.scores?.details));
    const scoredAt = arr((_, i) => subjects[i]!.scores?.at.toISOString() ?? null);
    // Booleans travel as text: postgres.js would type an array of booleans as a single boolean.
    const returned = await tx.execute<{ id: string }>(sql`
      with ${storeExplanationsCte({ tenantId, distinct: explanations.distinct })}
      insert into ${contacts} (tenant_id, id, first_name, last_name, email, phone_raw, phone_e164, phone_key, phone_valid, phone_type, phone_country,
                               source, search_text, blacklisted, score_contactability, score_digital_maturity, score_potential, score_explanation_id, scored_at)
      select ${tenantId}, v.id, v.first_name, v.last_name, v.email, v.phone_raw, v.phone_e164, v.phone_key, v.phone_valid::boolean, v.phone_type, v.phone_country,
             v.source, v.search_text, v.blacklisted::boolean, v.contactability, v.digital, v.potential, v.explanation, v.scored_at
        from unnest(${arr((r) => r.id)}::uuid[], ${arr((r) => r.firstName)}::text[], ${arr((r) => r.lastName)}::text[], ${arr((r) => r.email)}::text[],
                    ${arr((r) => r.phoneRaw)}::text[], ${arr((r) => r.phoneE164)}::text[], ${arr((r) => r.phoneKey)}::text[], ${arr((r) => (r.phoneValid ? 't' : 'f'))}::text[],
                    ${arr((r) => r.phoneType)}::text[], ${arr((r) => r.phoneCountry)}::text[], ${arr((r) => r.source)}::text[], ${arr((r) => r.searchText)}::text[],
                    ${arr((r) => (r.blacklisted ? 't' : 'f'))}::text[], ${score((x) => x.contactability)}::smallint[], ${score((x) => x.digitalMaturity)}::smallint[],
                    ${score((x) => x.potential)}::smallint[], ${sql.param(explanations.ids)}::uuid[], ${scoredAt}::text[]::timestamptz[])
          as v(id, first_name, last_name, email, phone_raw, phone_e164, phone_key, phone_valid, phone_type, phone_country, source, search_text, blacklisted,
               contactability, digital, potential, explanation, scored_at)
      on conflict (tenant_id, phone_key) where phone_key is not null do nothing
      returning id`);
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
