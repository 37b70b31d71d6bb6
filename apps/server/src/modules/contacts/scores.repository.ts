import { createHash } from 'node:crypto';
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { contacts, scoreExplanations, type ScoreDetails } from './contacts.tables';
import { consentFromPairs, consentPairs } from './contacts.repository';
import { equalsAny } from '../../platform/db/equals-any';

/**
 * What scoring reads of a contact (the scoring module computes; this module owns the columns), with
 * its current consent per channel, in one statement.
 */
export async function loadScoringRows(tx: Tx, options: { tenantId: string; contactIds?: string[]; afterId?: string | null; limit?: number }) {
  const rows = await tx
    .select({
      id: contacts.id,
      phoneValid: contacts.phoneValid,
      phoneType: contacts.phoneType,
      email: contacts.email,
      website: contacts.website,
      company: contacts.company,
      firstName: contacts.firstName,
      lastName: contacts.lastName,
      source: contacts.source,
      tags: contacts.tags,
      attributes: contacts.attributes,
      whatsapp: contacts.whatsapp,
      imessage: contacts.imessage,
      blacklisted: contacts.blacklisted,
      consent: consentPairs,
    })
    .from(contacts)
    .where(
      and(
        eq(contacts.tenantId, options.tenantId),
        options.contactIds ? equalsAny(contacts.id, options.contactIds) : undefined,
        options.afterId ? gt(contacts.id, options.afterId) : undefined,
      ),
    )
    .orderBy(asc(contacts.id))
    .limit(options.limit ?? 100_000);
  return rows.map((r) => ({ ...r, consent: consentFromPairs(r.consent) }));
}

export type ScoreUpdate = { contactId: string; contactability: number; digitalMaturity: number; potential: number; details: ScoreDetails };

/**
 * The explanations of a batch of contacts, each serialised and hashed once: the id of each contact's
 * (null where it has none) and the distinct ones to store. Contacts with the same inputs share one
 * explanation object (scoring memoises), so most contacts cost a map look-up.
 */
export function explanationsOf(details: readonly unknown[]): { ids: (string | null)[]; distinct: { id: string; text: string }[] } {
  const byObject = new Map<unknown, string>();
  const byText = new Map<string, string>();
  const ids = details.map((d) => {
    if (!d) return null;
    let id = byObject.get(d);
    if (id !== undefined) return id;
    const text = JSON.stringify(d);
    id = byText.get(text);
    if (id === undefined) {
      const hex = createHash('md5').update(text).digest('hex');
      id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      byText.set(text, id);
    }
    byObject.set(d, id);
    return id;
  });
  // In id order: two transactions storing the same explanations wait for each other in one order, never in a cycle.
  const distinct = [...byText].map(([text, id]) => ({ id, text })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { ids, distinct };
}

/**
 * A CTE (`stored_explanations as (…)`) that stores the explanations a statement's contacts refer
 * to, when not stored yet: the write of the contacts and of their explanations is one statement.
 */
export function storeExplanationsCte(options: { tenantId: string; distinct: { id: string; text: string }[] }): SQL {
  return sql`stored_explanations as (
    insert into ${scoreExplanations} (tenant_id, id, details)
    select ${options.tenantId}, e.id, e.details
      from unnest(${sql.param(options.distinct.map((d) => d.id))}::uuid[], ${sql.param(options.distinct.map((d) => d.text))}::jsonb[]) as e(id, details)
    on conflict do nothing)`;
}

/**
 * Writes many contacts' scores in one statement, and only where they changed: a re-score that
 * changes nothing writes nothing (no new row versions, no index entries, no WAL). The explanations
 * are stored once per distinct value (a few dozen per page, not one per contact).
 */
export async function writeScores(tx: Tx, options: { tenantId: string; updates: ScoreUpdate[]; at: Date }): Promise<number> {
  if (options.updates.length === 0) return 0;
  const u = options.updates;
  const explanations = explanationsOf(u.map((x) => x.details));
  const rows = await tx.execute<{ n: number }>(sql`
    with ${storeExplanationsCte({ tenantId: options.tenantId, distinct: explanations.distinct })}, v as (
      select v.id, v.contactability, v.digital, v.potential, v.explanation
        from unnest(
          ${sql.param(u.map((x) => x.contactId))}::uuid[],
          ${sql.param(u.map((x) => x.contactability))}::int[],
          ${sql.param(u.map((x) => x.digitalMaturity))}::int[],
          ${sql.param(u.map((x) => x.potential))}::int[],
          ${sql.param(explanations.ids)}::uuid[]
        ) as v(id, contactability, digital, potential, explanation)
    ), changed as (
      update ${contacts} as c set
        score_contactability = v.contactability,
        score_digital_maturity = v.digital,
        score_potential = v.potential,
        score_explanation_id = v.explanation,
        scored_at = ${options.at.toISOString()}::timestamptz
      from v
      where c.tenant_id = ${options.tenantId} and c.id = v.id
        and (c.score_contactability, c.score_digital_maturity, c.score_potential, c.score_explanation_id)
            is distinct from (v.contactability::smallint, v.digital::smallint, v.potential::smallint, v.explanation)
      returning 1
    )
    select count(*)::int as n from changed`);
  return rows[0]?.n ?? 0;
}
