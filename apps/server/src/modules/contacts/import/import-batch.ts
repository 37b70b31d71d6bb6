import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../../platform/db/database';
import type { DomainEvents, NewContactScoring } from '../../../platform/events/domain-events';
import { blacklist, consentEvents, consentStates, contacts, importIssues, type ConsentChannel, type ImportMode } from '../contacts.tables';
import { searchTextOf } from '../contact-filter';
import { explanationsOf, storeExplanationsCte } from '../scores.repository';
import type { Candidate } from './import-rows';
import { equalsAny } from '../../../platform/db/equals-any';

export type BatchCounts = { inserted: number; updated: number; skipped: number; rejected: number };
export type Issue = { rowNumber: number; kind: 'rejected' | 'skipped'; reason: string; data: string[] };
export type ImportConsent = { channel: ConsentChannel; source: string; text?: string | undefined; allRows: boolean };

/** Tags travel as one text per row (arrays of arrays would flatten in unnest). */
const TAG_SEP = '\u001f';

type Existing = { id: string; phoneKey: string | null; email: string | null; importId: string | null } & Record<string, unknown>;

/**
 * Writes one batch of an import in the caller's transaction: decides for each row whether it is new,
 * a duplicate inside the file, an existing contact to skip, or one to update (by the mode), then
 * inserts and updates with one statement each, and announces the contacts it wrote. New contacts are
 * scored before the insert (`contacts.creating`), so each is written once. Returns the counts and
 * the touched ids.
 */
export async function writeBatch(
  tx: Tx,
  options: {
    tenantId: string;
    /** The import these rows come from (rows repeating an earlier batch of it are duplicates); null for a sync. */
    importId: string | null;
    mode: ImportMode;
    candidates: Candidate[];
    issues: Issue[];
    consent: ImportConsent | null;
    userId: string | null;
    source?: string;
    /** `contacts.creating` before the insert, `contacts.changed` after the batch. */
    events: DomainEvents;
  },
): Promise<{ counts: BatchCounts; contactIds: string[] }> {
  const { tenantId, importId, mode } = options;
  const issues = [...options.issues];
  const counts: BatchCounts = { inserted: 0, updated: 0, skipped: 0, rejected: issues.length };
  const skip = (c: Candidate, reason: string) => {
    issues.push({ rowNumber: c.rowNumber, kind: 'skipped', reason, data: c.data });
    counts.skipped++;
  };

  // An import grows the table from nothing: a plan cached while it was small (a sequential scan)
  // would be reused when it holds a million rows. Plan each statement for the table as it is now.
  await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
  const keys = [...new Set(options.candidates.map((c) => c.phoneKey).filter((k): k is string => !!k))];
  const emails = [...new Set(options.candidates.map((c) => c.email).filter((e): e is string => !!e))];
  // Skipping needs only who a row matches; updating merges into the whole existing row.
  const columns =
    mode === 'update-existing' ? getTableColumns(contacts) : { id: contacts.id, phoneKey: contacts.phoneKey, email: contacts.email, importId: contacts.importId };
  // One probe of the key's index per value (an array parameter each: the statement is the same for
  // every batch), through lateral subqueries the planner cannot flatten; then the rows by primary
  // key. `phone_key = any(…) or email = any(…)` on a table that grew since its last ANALYZE was
  // planned as a scan of the whole tenant, once per batch: the import slowed as the table grew.
  const probe = (column: string, values: string[]) =>
    sql`select c.id from unnest(${sql.param(values)}::text[]) as probe(value)
          cross join lateral (select id from ${contacts} c where c.tenant_id = ${tenantId} and c.${sql.identifier(column)} = probe.value offset 0) c`;
  const probes = [...(keys.length ? [probe('phone_key', keys)] : []), ...(emails.length ? [probe('email', emails)] : [])];
  const existing: Existing[] = probes.length
    ? await tx
        .select(columns)
        .from(contacts)
        .where(and(eq(contacts.tenantId, tenantId), sql`${contacts.id} = any(array(${sql.join(probes, sql` union `)}))`))
    : [];
  const byKey = new Map(existing.filter((e) => e.phoneKey).map((e) => [e.phoneKey!, e]));
  const byEmail = new Map(existing.filter((e) => e.email).map((e) => [e.email!, e]));

  const inserts: (Candidate & { id: string })[] = [];
  const updates: { candidate: Candidate; target: Existing }[] = [];
  const seenKeys = new Set<string>();
  const seenEmails = new Set<string>();
  for (const c of options.candidates) {
    // Inside this batch: the first row wins.
    if ((c.phoneKey && seenKeys.has(c.phoneKey)) || (!c.phoneKey && c.email && seenEmails.has(c.email))) {
      skip(c, 'duplicate of an earlier row in this file');
      continue;
    }
    if (c.phoneKey) seenKeys.add(c.phoneKey);
    if (c.email) seenEmails.add(c.email);
    const match = (c.phoneKey ? byKey.get(c.phoneKey) : undefined) ?? (mode !== 'file-only' && c.email ? byEmail.get(c.email) : undefined);
    // Earlier batches of this import: a row that repeats one of them is a duplicate in the file.
    const fromThisFile = importId !== null && (match?.importId === importId || (!c.phoneKey && c.email && byEmail.get(c.email)?.importId === importId));
    if (fromThisFile) {
      skip(c, 'duplicate of an earlier row in this file');
      continue;
    }
    if (match) {
      if (mode === 'update-existing') updates.push({ candidate: c, target: match });
      else skip(c, c.phoneKey && byKey.has(c.phoneKey) ? 'phone already belongs to an existing contact' : 'email already belongs to an existing contact');
      continue;
    }
    inserts.push({ ...c, id: uuidv7() });
  }

  const touched: string[] = [];
  let scoredIds: string[] = [];
  if (inserts.length) {
    const source = options.source ?? 'import';
    // Numbers already on the do-not-contact list are marked as such from the start.
    const insertKeys = [...new Set(inserts.map((c) => c.phoneKey).filter((k): k is string => !!k))];
    const listed = insertKeys.length
      ? new Set(
          (
            await tx
              .select({ phoneKey: blacklist.phoneKey })
              .from(blacklist)
              .where(and(eq(blacklist.tenantId, tenantId), equalsAny(blacklist.phoneKey, insertKeys)))
          ).map((b) => b.phoneKey),
        )
      : new Set<string>();
    const consent = options.consent;
    const subjects: NewContactScoring[] = inserts.map((c) => ({
      phoneValid: c.phoneValid,
      phoneType: c.phoneType,
      email: c.email,
      website: c.website,
      company: c.company,
      firstName: c.firstName,
      lastName: c.lastName,
      source,
      tags: c.tags,
      attributes: c.attributes,
      blacklisted: !!c.phoneKey && listed.has(c.phoneKey),
      consent: consent && (consent.allRows || c.consent) ? { [consent.channel]: 'opted_in' } : {},
      scores: null,
    }));
    // Scoring (a module above this one) fills in the scores, so each new row is written once.
    await options.events.emit(tx, 'contacts.creating', { tenantId, contacts: subjects });
    const scored = subjects.every((s) => s.scores !== null);
    const explanations = explanationsOf(subjects.map((s) => s.scores?.details));
    const at = subjects[0]?.scores?.at ?? null;

    // Booleans travel as text: postgres.js would type an array of booleans as a single boolean.
    const arr = <T>(f: (c: (typeof inserts)[number], i: number) => T) => sql.param(inserts.map(f));
    const score = (f: (s: NonNullable<NewContactScoring['scores']>) => number) => arr((_, i) => (subjects[i]!.scores ? f(subjects[i]!.scores!) : 0));
    const rows = await tx.execute<{ id: string }>(sql`
      with ${storeExplanationsCte({ tenantId, distinct: explanations.distinct })}
      insert into ${contacts} (tenant_id, id, first_name, last_name, company, phone_raw, phone_e164, phone_key, phone_valid, phone_type,
                               phone_country, email, website, address, tags, attributes, search_text, source, import_id, blacklisted,
                               score_contactability, score_digital_maturity, score_potential, score_explanation_id, scored_at)
      select ${tenantId}, v.id, v.first_name, v.last_name, v.company, v.phone_raw, v.phone_e164, v.phone_key, v.phone_valid::boolean, v.phone_type,
             v.phone_country, v.email, v.website, v.address,
             case when v.tags = '' then '{}'::text[] else string_to_array(v.tags, ${TAG_SEP}) end,
             v.attributes, v.search_text, ${source}, ${importId}::uuid, v.blacklisted::boolean,
             v.contactability, v.digital, v.potential, v.explanation, ${at ? at.toISOString() : null}::timestamptz
        from unnest(${arr((c) => c.id)}::uuid[], ${arr((c) => c.firstName)}::text[], ${arr((c) => c.lastName)}::text[],
                    ${arr((c) => c.company)}::text[], ${arr((c) => c.phoneRaw)}::text[], ${arr((c) => c.phoneE164)}::text[],
                    ${arr((c) => c.phoneKey)}::text[], ${arr((c) => (c.phoneValid ? 't' : 'f'))}::text[], ${arr((c) => c.phoneType)}::text[],
                    ${arr((c) => c.phoneCountry)}::text[], ${arr((c) => c.email)}::text[], ${arr((c) => c.website)}::text[],
                    ${arr((c) => c.address)}::text[], ${arr((c) => c.tags.join(TAG_SEP))}::text[], ${arr((c) => JSON.stringify(c.attributes))}::jsonb[],
                    ${arr((c) => c.searchText)}::text[], ${arr((_, i) => (subjects[i]!.blacklisted ? 't' : 'f'))}::text[],
                    ${score((s) => s.contactability)}::smallint[], ${score((s) => s.digitalMaturity)}::smallint[], ${score((s) => s.potential)}::smallint[],
                    ${sql.param(explanations.ids)}::uuid[])
          as v(id, first_name, last_name, company, phone_raw, phone_e164, phone_key, phone_valid, phone_type, phone_country, email, website,
               address, tags, attributes, search_text, blacklisted, contactability, digital, potential, explanation)
      on conflict (tenant_id, phone_key) where phone_key is not null do nothing
      returning id`);
    const inserted = new Set(rows.map((r) => r.id));
    counts.inserted = inserted.size;
    // A concurrent edit took the number between our check and the insert.
    for (const c of inserts) if (!inserted.has(c.id)) skip(c, 'phone already belongs to an existing contact');
    if (scored) scoredIds = [...inserted];
    else touched.push(...inserted);
  }

  if (updates.length) {
    const merged = updates.map(({ candidate: c, target: t }) => {
      const pick = (v: string | null, old: unknown) => (v ? v : ((old as string | null) ?? null));
      const next = {
        id: t.id,
        firstName: c.firstName || (t.firstName as string),
        lastName: c.lastName || (t.lastName as string),
        company: c.company || (t.company as string),
        email: pick(c.email, t.email),
        website: pick(c.website, t.website),
        address: pick(c.address, t.address),
        tags: [...new Set([...(t.tags as string[]), ...c.tags])],
        attributes: { ...(t.attributes as Record<string, unknown>), ...c.attributes },
      };
      return { ...next, searchText: searchTextOf(next) };
    });
    const arr = <T>(f: (m: (typeof merged)[number]) => T) => sql.param(merged.map(f));
    await tx.execute(sql`
      update ${contacts} as c set first_name = v.first_name, last_name = v.last_name, company = v.company, email = v.email,
             website = v.website, address = v.address,
             tags = case when v.tags = '' then '{}'::text[] else string_to_array(v.tags, ${TAG_SEP}) end,
             attributes = v.attributes, search_text = v.search_text, updated_at = now()
        from unnest(${arr((m) => m.id)}::uuid[], ${arr((m) => m.firstName)}::text[], ${arr((m) => m.lastName)}::text[], ${arr((m) => m.company)}::text[],
                    ${arr((m) => m.email)}::text[], ${arr((m) => m.website)}::text[], ${arr((m) => m.address)}::text[],
                    ${arr((m) => m.tags.join(TAG_SEP))}::text[], ${arr((m) => JSON.stringify(m.attributes))}::jsonb[], ${arr((m) => m.searchText)}::text[])
          as v(id, first_name, last_name, company, email, website, address, tags, attributes, search_text)
       where c.tenant_id = ${tenantId} and c.id = v.id`);
    counts.updated = merged.length;
    const ids = merged.map((m) => m.id);
    touched.push(...ids);
    await tx.execute(sql`
      update ${contacts} as c set blacklisted = true
        from ${blacklist} b
       where c.tenant_id = ${tenantId} and c.id = any(${sql.param(ids)}::uuid[]) and b.tenant_id = c.tenant_id and b.phone_key = c.phone_key
         and not c.blacklisted`);
  }

  const written = new Set([...scoredIds, ...touched]);
  if (options.consent) {
    const consent = options.consent;
    const rows = [
      ...inserts.filter((c) => consent.allRows || c.consent).map((c) => ({ contactId: c.id, c })),
      ...updates.filter((u) => consent.allRows || u.candidate.consent).map((u) => ({ contactId: u.target.id, c: u.candidate })),
    ].filter((r) => written.has(r.contactId));
    if (rows.length) {
      const events = rows.map((r) => ({
        tenantId,
        id: uuidv7(),
        contactId: r.contactId,
        channel: consent.channel,
        status: 'opted_in' as const,
        source: consent.source,
        textShown: consent.text ?? null,
        evidence: importId ? { importId, rowNumber: r.c.rowNumber } : { source: options.source ?? 'import' },
        recordedBy: options.userId,
      }));
      await tx.insert(consentEvents).values(events);
      await tx
        .insert(consentStates)
        .values(events.map((e) => ({ tenantId, contactId: e.contactId, channel: e.channel, status: e.status, eventId: e.id })))
        .onConflictDoUpdate({
          target: [consentStates.tenantId, consentStates.contactId, consentStates.channel],
          set: { status: sql`excluded.status`, eventId: sql`excluded.event_id`, updatedAt: sql`now()` },
        });
    }
  }

  if (issues.length && importId) {
    await tx
      .insert(importIssues)
      .values(issues.map((i) => ({ tenantId, importId, rowNumber: i.rowNumber, kind: i.kind, reason: i.reason, data: i.data })))
      .onConflictDoNothing();
  }
  // After the consent rows: a contact scored after the insert sees its consent.
  if (scoredIds.length) await options.events.emit(tx, 'contacts.changed', { tenantId, contactIds: scoredIds, scored: true });
  if (touched.length) await options.events.emit(tx, 'contacts.changed', { tenantId, contactIds: touched });
  return { counts, contactIds: [...scoredIds, ...touched] };
}
