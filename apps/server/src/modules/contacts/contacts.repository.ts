import { and, asc, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { ContactFilter } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import { blacklist, consentStates, contacts, scoreExplanations, type ConsentStatus, type ScoreDetails } from './contacts.tables';
import { allOf, attributeContainment, filterConditions } from './contact-filter';
import { equalsAny } from '../../platform/db/equals-any';

/** The explanation of a contact's scores, read from the row it shares with other contacts (a look-up by key). */
export const scoreDetailsOf = sql<ScoreDetails | null>`(select ${scoreExplanations.details} from ${scoreExplanations}
  where ${scoreExplanations.tenantId} = ${contacts.tenantId} and ${scoreExplanations.id} = ${contacts.scoreExplanationId})`;

/** A contact as it is presented: its columns and its score explanation. */
const contactColumns = { ...getTableColumns(contacts), scoreDetails: scoreDetailsOf };

export type ContactRow = typeof contacts.$inferSelect & { scoreDetails: ScoreDetails | null };
export type Sort = 'recent' | 'name' | 'contactability' | 'potential';

/**
 * Keyset orders: each sorts every column the same way, so "after this row" is one row comparison
 * that an index can serve, and no page ever counts or skips rows.
 */
const SORTS: Record<Sort, { columns: SQL[]; order: SQL[]; dir: 'asc' | 'desc'; cursorOf(r: ContactRow): unknown[] }> = {
  recent: { columns: [sql`${contacts.id}`], order: [desc(contacts.id)], dir: 'desc', cursorOf: (r) => [r.id] },
  name: {
    columns: [sql`lower(${contacts.lastName})`, sql`lower(${contacts.firstName})`, sql`${contacts.id}`],
    order: [asc(sql`lower(${contacts.lastName})`), asc(sql`lower(${contacts.firstName})`), asc(contacts.id)],
    dir: 'asc',
    cursorOf: (r) => [r.lastName.toLowerCase(), r.firstName.toLowerCase(), r.id],
  },
  contactability: {
    columns: [sql`${contacts.scoreContactability}`, sql`${contacts.id}`],
    order: [desc(contacts.scoreContactability), desc(contacts.id)],
    dir: 'desc',
    cursorOf: (r) => [r.scoreContactability, r.id],
  },
  potential: {
    columns: [sql`${contacts.scorePotential}`, sql`${contacts.id}`],
    order: [desc(contacts.scorePotential), desc(contacts.id)],
    dir: 'desc',
    cursorOf: (r) => [r.scorePotential, r.id],
  },
};

export function cursorFor(sort: Sort, row: ContactRow): unknown[] {
  return SORTS[sort].cursorOf(row);
}

export function isCursorFor(sort: Sort) {
  return (v: unknown): v is unknown[] => Array.isArray(v) && v.length === SORTS[sort].columns.length;
}

/**
 * A search is planned for the text searched (`SET LOCAL`, this transaction only). A prepared
 * statement's generic plan cannot see a LIKE pattern: it guessed a number or address would match
 * thousands of contacts and scanned the tenant sequentially (1.3 s in a tenant of 946,000) instead
 * of asking the trigram and phone indexes for the handful that match.
 */
async function planSearchForItsText(tx: Tx, filter: ContactFilter) {
  if (filter.search) await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
}

/** Never more ids than this from the attributes index for one page. */
const MAX_ATTRIBUTE_IDS = 5_000;
/**
 * Reading a contact by id from the index's list costs about this many contacts read in list order
 * (random against sequential pages): the index pays when matches × this < rows walked for a page.
 */
const ID_READ_COST = 3;
const PAGE_ROWS = 51;

/**
 * Which of a filter's `attribute = value` conditions are rare enough to be found through the
 * attributes index, by the planner's estimates (read by a function of the table's owner: under
 * row-level security PostgreSQL does not show an operator that is not leakproof the statistics). In
 * list order a page is full after about rows × 51 / matches contacts; through the index it costs the
 * matches (decision 0035).
 */
async function rareAttributes(tx: Tx, filter: ContactFilter): Promise<Set<number>> {
  const rare = new Set<number>();
  for (const [position, a] of (filter.attributes ?? []).entries()) {
    if (a.op !== 'eq') continue;
    const { match, or } = attributeContainment(a);
    const [row] = await tx.execute<{ matches: number; rows: number }>(
      sql`select e[1] as matches, e[2] as rows from (select app_contacts_by_attributes_estimates(${match}::jsonb, ${or}::jsonb) as e) estimates`,
    );
    const matches = Number(row?.matches ?? Infinity);
    const rows = Number(row?.rows ?? 0);
    if (matches <= MAX_ATTRIBUTE_IDS && matches * matches * ID_READ_COST <= rows * PAGE_ROWS) rare.add(position);
  }
  return rare;
}

/** A page's contact with its current consent per channel. */
export type ListedContact = ContactRow & { consent: Record<string, ConsentStatus> };

/** The current consent of the row's contact as "channel=status" pairs: an array of text needs no JSON round trip. */
export const consentPairs = sql<string[]>`array(select ${consentStates.channel} || '=' || ${consentStates.status} from ${consentStates}
  where ${consentStates.tenantId} = ${contacts.tenantId} and ${consentStates.contactId} = ${contacts.id})`;

export function consentFromPairs(pairs: string[]): Record<string, ConsentStatus> {
  const consent: Record<string, ConsentStatus> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    consent[pair.slice(0, at)] = pair.slice(at + 1) as ConsentStatus;
  }
  return consent;
}

/**
 * A page of contacts in one statement, each with its consent (a lookup by key per row of the page,
 * not a second round trip per page).
 */
export async function findContacts(
  tx: Tx,
  options: { tenantId: string; country: string; filter: ContactFilter; sort: Sort; limit: number; after?: unknown[] },
): Promise<ListedContact[]> {
  const spec = SORTS[options.sort];
  const where = filterConditions(options.filter, { tenantId: options.tenantId, country: options.country, rareAttributes: await rareAttributes(tx, options.filter) });
  if (options.after) {
    const op = sql.raw(spec.dir === 'desc' ? '<' : '>');
    where.push(sql`(${sql.join(spec.columns, sql`, `)}) ${op} (${sql.join(options.after.map((v) => sql`${v}`), sql`, `)})`);
  }
  await planSearchForItsText(tx, options.filter);
  const rows = await tx
    .select({ ...contactColumns, consent: consentPairs })
    .from(contacts)
    .where(allOf(where))
    .orderBy(...spec.order)
    .limit(options.limit);
  return rows.map((r) => ({ ...r, consent: consentFromPairs(r.consent) }));
}

/** Ids of every contact matching a filter, in pages (bulk actions and exports never hold them all). */
export async function findContactIdsAfter(
  tx: Tx,
  options: { tenantId: string; country: string; filter: ContactFilter; afterId: string | null; limit: number },
): Promise<string[]> {
  const where = filterConditions(options.filter, { tenantId: options.tenantId, country: options.country, rareAttributes: await rareAttributes(tx, options.filter) });
  if (options.afterId) where.push(sql`${contacts.id} > ${options.afterId}`);
  await planSearchForItsText(tx, options.filter);
  const rows = await tx.select({ id: contacts.id }).from(contacts).where(allOf(where)).orderBy(asc(contacts.id)).limit(options.limit);
  return rows.map((r) => r.id);
}

export async function findContact(tx: Tx, options: { tenantId: string; contactId: string }) {
  const [row] = await tx.select(contactColumns).from(contacts).where(and(eq(contacts.tenantId, options.tenantId), eq(contacts.id, options.contactId)));
  return row ?? null;
}

export async function findContactByPhoneKey(tx: Tx, options: { tenantId: string; phoneKey: string }) {
  const [row] = await tx.select(contactColumns).from(contacts).where(and(eq(contacts.tenantId, options.tenantId), eq(contacts.phoneKey, options.phoneKey)));
  return row ?? null;
}

/** Current consent per contact and channel, for a page of contacts. */
export async function consentByContact(tx: Tx, options: { tenantId: string; contactIds: string[] }) {
  const out = new Map<string, Record<string, ConsentStatus>>();
  if (options.contactIds.length === 0) return out;
  const rows = await tx
    .select({ contactId: consentStates.contactId, channel: consentStates.channel, status: consentStates.status })
    .from(consentStates)
    .where(and(eq(consentStates.tenantId, options.tenantId), equalsAny(consentStates.contactId, options.contactIds)));
  for (const r of rows) out.set(r.contactId, { ...out.get(r.contactId), [r.channel]: r.status });
  return out;
}

export async function isBlacklisted(tx: Tx, options: { tenantId: string; phoneKey: string | null }): Promise<boolean> {
  if (!options.phoneKey) return false;
  const [row] = await tx
    .select({ key: blacklist.phoneKey })
    .from(blacklist)
    .where(and(eq(blacklist.tenantId, options.tenantId), eq(blacklist.phoneKey, options.phoneKey)));
  return Boolean(row);
}
