import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { contacts, type ScoreDetails } from './contacts.tables';
import { consentFromPairs, consentPairs } from './contacts.repository';

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
        options.contactIds ? sql`${contacts.id} = any(${sql.param(options.contactIds)}::uuid[])` : undefined,
        options.afterId ? gt(contacts.id, options.afterId) : undefined,
      ),
    )
    .orderBy(asc(contacts.id))
    .limit(options.limit ?? 100_000);
  return rows.map((r) => ({ ...r, consent: consentFromPairs(r.consent) }));
}

export type ScoreUpdate = { contactId: string; contactability: number; digitalMaturity: number; potential: number; details: ScoreDetails };

/**
 * Writes many contacts' scores in one statement, and only where they changed: a re-score that
 * changes nothing writes nothing (no new row versions, no index entries, no WAL). The explanations
 * travel once per distinct value (a few dozen per page, not one per contact).
 */
export async function writeScores(tx: Tx, options: { tenantId: string; updates: ScoreUpdate[]; at: Date }): Promise<number> {
  if (options.updates.length === 0) return 0;
  const u = options.updates;
  const distinct = new Map<string, number>();
  // Contacts with the same inputs share one explanation object (scoring memoises): serialised once.
  const byObject = new Map<ScoreDetails, number>();
  const detailIndex = u.map((x) => {
    let i = byObject.get(x.details);
    if (i !== undefined) return i;
    const text = JSON.stringify(x.details);
    i = distinct.get(text);
    if (i === undefined) distinct.set(text, (i = distinct.size + 1));
    byObject.set(x.details, i);
    return i;
  });
  const rows = await tx.execute<{ n: number }>(sql`
    with v as (
      select v.id, v.contactability, v.digital, v.potential, (${sql.param([...distinct.keys()])}::jsonb[])[v.detail] as details
        from unnest(
          ${sql.param(u.map((x) => x.contactId))}::uuid[],
          ${sql.param(u.map((x) => x.contactability))}::int[],
          ${sql.param(u.map((x) => x.digitalMaturity))}::int[],
          ${sql.param(u.map((x) => x.potential))}::int[],
          ${sql.param(detailIndex)}::int[]
        ) as v(id, contactability, digital, potential, detail)
    ), changed as (
      update ${contacts} as c set
        score_contactability = v.contactability,
        score_digital_maturity = v.digital,
        score_potential = v.potential,
        score_details = v.details,
        scored_at = ${options.at.toISOString()}::timestamptz
      from v
      where c.tenant_id = ${options.tenantId} and c.id = v.id
        and (c.score_contactability, c.score_digital_maturity, c.score_potential, c.score_details)
            is distinct from (v.contactability::smallint, v.digital::smallint, v.potential::smallint, v.details)
      returning 1
    )
    select count(*)::int as n from changed`);
  return rows[0]?.n ?? 0;
}
