import { and, arrayContains, eq, gte, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { ContactFilter } from '@leadmaster/contracts';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { consentStates, contacts } from './contacts.tables';
import { phoneSearchKey } from './phone';
import { equalsAny } from '../../platform/db/equals-any';

/** Lower case, accents folded: what `search_text` holds and what a search term is compared as. */
export function normalizeSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function searchTextOf(c: { firstName?: string | null; lastName?: string | null; company?: string | null; email?: string | null }): string {
  return normalizeSearch([c.firstName, c.lastName, c.company, c.email].filter(Boolean).join(' '));
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** A search that is one whole e-mail address (what the import accepts as one). */
const FULL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The SQL conditions of a filter. Every condition is on the contacts row (or an indexed lookup by
 * its key), so the list stays an index-ordered keyset scan.
 */
/**
 * What an attribute equal to a value contains, as jsonb: the value as text and, when it reads as a
 * number, as a number too (number fields store numbers; `->>` compares their text).
 */
export function attributeContainment(a: { key: string; value?: unknown }): { match: string; or: string | null } {
  const text = String(a.value ?? '');
  return {
    match: JSON.stringify({ [a.key]: text }),
    or: /^-?\d+(\.\d+)?$/.test(text) && Number.isFinite(Number(text)) ? JSON.stringify({ [a.key]: Number(text) }) : null,
  };
}

/**
 * The SQL conditions of a filter. `rareAttributes` names the filter's attribute conditions (by
 * position) that match few contacts: those are found first through the attributes index.
 */
export function filterConditions(filter: ContactFilter, options: { tenantId: string; country: string; rareAttributes?: ReadonlySet<number> }): SQL[] {
  const where: SQL[] = [eq(contacts.tenantId, options.tenantId)];
  if (filter.search) {
    const key = phoneSearchKey(filter.search, options.country);
    const digits = filter.search.replace(/\D/g, '');
    const words = normalizeSearch(filter.search).split(' ').filter(Boolean);
    const matches = key
      ? // A number in any format: the exact line, or a number that contains the digits typed.
        or(eq(contacts.phoneKey, key), sql`${contacts.phoneKey} like ${`%${digits.slice(-8)}%`}`)!
      : and(...words.map((word) => sql`${contacts.searchText} like ${`%${escapeLike(word)}%`}`))!;
    const address = filter.search.trim().toLowerCase();
    if (!matches) {
      // Nothing searchable was typed (punctuation only): no condition.
    } else if (!key && FULL_ADDRESS.test(address)) {
      // A whole address: the contacts that have exactly it, one probe of the e-mail index (addresses
      // are stored lower-cased; `=` on text is leakproof, so row-level security lets the index serve
      // it). Only when none has it are the contacts whose text contains it looked for through the
      // trigrams, whose common trigrams (`com`, `gma`) cost hundreds of index pages a search. One array
      // (an InitPlan, like the look-ups below): a COALESCE or CASE around it would not count as
      // leakproof, and the list would scan the tenant instead of probing its ids (decision 0043).
      const withAddress = sql`select e.id from ${contacts} e where e.tenant_id = ${options.tenantId} and e.email = ${address}`;
      const containing = sql`app_contact_ids_by_text(${sql.param([`%${escapeLike(normalizeSearch(address))}%`])}::text[])`;
      where.push(
        sql`${contacts.id} = any(array(${withAddress} union all select found.id from ${containing} as found(id) where not exists (${withAddress})))`,
      );
    } else if (key || filter.search.includes('@')) {
      // A number or an address matches a handful of contacts. Found first through their indexes
      // (an array built once), so a plan never walks the whole tenant in list order hoping to meet
      // them. The look-up runs in a SECURITY DEFINER function of the current tenant: under the app
      // role's row-level security PostgreSQL uses no index for LIKE (decision 0023).
      const found = key
        ? sql`app_contact_ids_by_phone(${key}, ${`%${digits.slice(-8)}%`})`
        : sql`app_contact_ids_by_text(${sql.param(words.map((w) => `%${escapeLike(w)}%`).sort((a, b) => b.length - a.length))}::text[])`;
      where.push(sql`${contacts.id} = any(array(select ${found}))`);
    } else {
      where.push(matches);
    }
  }
  if (filter.tags?.length) where.push(arrayContains(contacts.tags, filter.tags));
  if (filter.ownerId !== undefined) where.push(filter.ownerId === null ? isNull(contacts.ownerId) : eq(contacts.ownerId, filter.ownerId));
  const range = (column: AnyPgColumn, r?: { min?: number | undefined; max?: number | undefined }) => {
    if (r?.min !== undefined) where.push(gte(column, r.min));
    if (r?.max !== undefined) where.push(lte(column, r.max));
  };
  range(contacts.scoreContactability, filter.contactability);
  range(contacts.scoreDigitalMaturity, filter.digitalMaturity);
  range(contacts.scorePotential, filter.potential);
  if (filter.validation?.length) where.push(equalsAny(contacts.validationStatus, filter.validation));
  if (filter.phoneValid !== undefined) where.push(eq(contacts.phoneValid, filter.phoneValid));
  if (filter.whatsapp) where.push(eq(contacts.whatsapp, filter.whatsapp));
  if (filter.imessage) where.push(eq(contacts.imessage, filter.imessage));
  if (filter.blacklisted !== undefined) where.push(eq(contacts.blacklisted, filter.blacklisted));
  if (filter.consent) {
    const { channel, status } = filter.consent;
    const state = sql`(select ${consentStates.status} from ${consentStates}
      where ${consentStates.tenantId} = ${contacts.tenantId} and ${consentStates.contactId} = ${contacts.id} and ${consentStates.channel} = ${channel})`;
    where.push(status === 'none' ? sql`${state} is null` : sql`${state} = ${status}`);
  }
  for (const [position, a] of (filter.attributes ?? []).entries()) {
    const value = sql`${contacts.attributes} ->> ${a.key}`;
    switch (a.op) {
      case 'exists':
        where.push(sql`${contacts.attributes} ? ${a.key}`);
        break;
      case 'eq':
        if (options.rareAttributes?.has(position)) {
          // A value few contacts have: walking the list in its order would pass thousands of others
          // before a page is full. Found by containment through the attributes index, in a SECURITY
          // DEFINER function (row-level security keeps @> from using an index; decision 0035, migration 0027).
          const { match, or } = attributeContainment(a);
          where.push(sql`${contacts.id} = any(array(select app_contact_ids_by_attributes(${match}::jsonb, ${or}::jsonb)))`);
        }
        where.push(sql`${value} = ${String(a.value ?? '')}`);
        break;
      case 'neq':
        where.push(or(sql`${value} is null`, ne(value as never, String(a.value ?? '')))!);
        break;
      case 'contains':
        where.push(sql`${value} ilike ${`%${escapeLike(String(a.value ?? ''))}%`}`);
        break;
      case 'gt':
      case 'lt':
        // Numbers compare as numbers; anything not numeric simply does not match.
        where.push(
          sql`case when ${value} ~ '^-?[0-9]+(\\.[0-9]+)?$' then (${value})::numeric ${sql.raw(a.op === 'gt' ? '>' : '<')} ${Number(a.value ?? 0)} else false end`,
        );
        break;
    }
  }
  return where;
}

export const allOf = (conditions: SQL[]) => and(...conditions)!;
