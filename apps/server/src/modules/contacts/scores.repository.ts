import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { contacts, type ScoreDetails } from './contacts.tables';
import { consentByContact } from './contacts.repository';

/** What scoring reads of a contact (the scoring module computes; this module owns the columns). */
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
    })
    .from(contacts)
    .where(
      and(
        eq(contacts.tenantId, options.tenantId),
        options.contactIds ? inArray(contacts.id, options.contactIds) : undefined,
        options.afterId ? gt(contacts.id, options.afterId) : undefined,
      ),
    )
    .orderBy(asc(contacts.id))
    .limit(options.limit ?? 100_000);
  const consent = await consentByContact(tx, { tenantId: options.tenantId, contactIds: rows.map((r) => r.id) });
  return rows.map((r) => ({ ...r, consent: consent.get(r.id) ?? {} }));
}

export type ScoreUpdate = { contactId: string; contactability: number; digitalMaturity: number; potential: number; details: ScoreDetails };

/** Writes many contacts' scores in one statement. */
export async function writeScores(tx: Tx, options: { tenantId: string; updates: ScoreUpdate[]; at: Date }) {
  if (options.updates.length === 0) return;
  const u = options.updates;
  await tx.execute(sql`
    update ${contacts} as c set
      score_contactability = v.contactability,
      score_digital_maturity = v.digital,
      score_potential = v.potential,
      score_details = v.details,
      scored_at = ${options.at.toISOString()}::timestamptz
    from unnest(
      ${sql.param(u.map((x) => x.contactId))}::uuid[],
      ${sql.param(u.map((x) => x.contactability))}::int[],
      ${sql.param(u.map((x) => x.digitalMaturity))}::int[],
      ${sql.param(u.map((x) => x.potential))}::int[],
      ${sql.param(u.map((x) => JSON.stringify(x.details)))}::jsonb[]
    ) as v(id, contactability, digital, potential, details)
    where c.tenant_id = ${options.tenantId} and c.id = v.id`);
}
