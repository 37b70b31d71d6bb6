import { and, eq } from 'drizzle-orm';
import type { ContactFilter, ContactInput } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import type { Principal } from '../../platform/http/auth';
import { getTenant } from '../tenants';
import { userBelongsToTenant } from '../identity';
import { contacts, fieldDefinitions } from './contacts.tables';
import { consentByContact, findContact, findContactByPhoneKey, findContacts, isBlacklisted, type ContactRow, type Sort } from './contacts.repository';
import { mayBePhoneNumber, normalizePhone } from './phone';
import { searchTextOf } from './contact-filter';
import { presentContact } from './contacts.present';
import { badAttribute, contactNotFound, phoneTaken, unknownAttribute, unknownOwner } from './contacts.errors';
import { equalsAny } from '../../platform/db/equals-any';

type Columns = Partial<typeof contacts.$inferInsert>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Custom attributes must be in the tenant's catalogue and of its type; null removes one. */
export async function checkAttributes(tx: Tx, options: { tenantId: string; attributes: Record<string, unknown> }) {
  const keys = Object.keys(options.attributes);
  if (keys.length === 0) return;
  const defs = await tx
    .select()
    .from(fieldDefinitions)
    .where(and(eq(fieldDefinitions.tenantId, options.tenantId), equalsAny(fieldDefinitions.key, keys)));
  const byKey = new Map(defs.map((d) => [d.key, d]));
  for (const [key, value] of Object.entries(options.attributes)) {
    const def = byKey.get(key);
    if (!def) throw unknownAttribute(key);
    if (value === null) continue;
    if (def.type === 'number' && typeof value !== 'number') throw badAttribute(key, 'a number');
    if (def.type === 'text' && typeof value !== 'string') throw badAttribute(key, 'text');
    if (def.type === 'date' && !(typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value)))) throw badAttribute(key, 'a date (YYYY-MM-DD)');
    if (def.type === 'choice' && !def.choices.includes(String(value))) throw badAttribute(key, `one of ${def.choices.join(', ')}`);
  }
}

/** The columns an input sets, with the phone parsed in the tenant's country and the search text rebuilt. */
export function inputColumns(input: ContactInput, options: { country: string; existing?: ContactRow | null }): Columns {
  const out: Columns = {};
  const set = <K extends keyof Columns>(key: K, value: Columns[K]) => {
    out[key] = value;
  };
  if (input.firstName !== undefined) set('firstName', input.firstName);
  if (input.lastName !== undefined) set('lastName', input.lastName);
  if (input.company !== undefined) set('company', input.company);
  if (input.email !== undefined) set('email', input.email ? input.email.toLowerCase() : null);
  if (input.website !== undefined) set('website', input.website || null);
  if (input.address !== undefined) set('address', input.address || null);
  if (input.tags !== undefined) set('tags', [...new Set(input.tags)]);
  if (input.ownerId !== undefined) set('ownerId', input.ownerId);
  if (input.phone !== undefined) {
    const phone = normalizePhone(input.phone, options.country);
    Object.assign(out, {
      phoneRaw: input.phone,
      phoneE164: phone.e164,
      phoneKey: phone.key && phone.valid ? phone.key : null,
      phoneValid: phone.valid,
      phoneType: phone.type,
      phoneCountry: phone.country,
    } satisfies Columns);
  }
  if (input.attributes !== undefined) {
    const merged: Record<string, unknown> = { ...(options.existing?.attributes ?? {}) };
    for (const [k, v] of Object.entries(input.attributes)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    set('attributes', merged);
  }
  const base = options.existing;
  set(
    'searchText',
    searchTextOf({
      firstName: out.firstName ?? base?.firstName,
      lastName: out.lastName ?? base?.lastName,
      company: out.company ?? base?.company,
      email: out.email === undefined ? base?.email : out.email,
    }),
  );
  return out;
}

export function createContactsService(deps: ModuleDeps) {
  const { database, events, clock } = deps;

  // Channels report reachability; the contact keeps it and its scores follow.
  events.on('contacts.number-checked', async (tx, e) => {
    const value = e.reachable ? ('yes' as const) : ('no' as const);
    const now = clock.now();
    const changes = e.channel === 'whatsapp' ? { whatsapp: value, whatsappCheckedAt: now } : { imessage: value, imessageCheckedAt: now };
    const updated = await tx
      .update(contacts)
      .set(changes)
      .where(and(eq(contacts.tenantId, e.tenantId), eq(contacts.id, e.contactId)))
      .returning({ id: contacts.id });
    if (updated.length) await events.emit(tx, 'contacts.changed', { tenantId: e.tenantId, contactIds: [e.contactId] });
  });

  async function countryOf(tx: Tx, tenantId: string) {
    return (await getTenant(tx, tenantId)).country;
  }

  async function present(tx: Tx, tenantId: string, row: ContactRow) {
    const consent = await consentByContact(tx, { tenantId, contactIds: [row.id] });
    return presentContact(row, consent.get(row.id) ?? {});
  }

  async function checkInput(tx: Tx, options: { tenantId: string; input: ContactInput; columns: Columns; contactId?: string }) {
    const { tenantId, input, columns } = options;
    if (input.ownerId && !(await userBelongsToTenant(tx, { tenantId, userId: input.ownerId }))) throw unknownOwner();
    if (input.attributes) await checkAttributes(tx, { tenantId, attributes: input.attributes });
    if (columns.phoneKey) {
      const other = await findContactByPhoneKey(tx, { tenantId, phoneKey: columns.phoneKey });
      if (other && other.id !== options.contactId) throw phoneTaken(other.id);
    }
    if (columns.phoneKey !== undefined) columns.blacklisted = await isBlacklisted(tx, { tenantId, phoneKey: columns.phoneKey ?? null });
  }

  async function list(options: { principal: Principal; filter: ContactFilter; sort: Sort; limit: number; after?: unknown[] }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const rows = await findContacts(tx, {
        tenantId,
        // Only a number typed in the search needs the country (to parse it): other requests save the look-up.
        country: options.filter.search && mayBePhoneNumber(options.filter.search) ? await countryOf(tx, tenantId) : '',
        filter: options.filter,
        sort: options.sort,
        limit: options.limit,
        ...(options.after ? { after: options.after } : {}),
      });
      return rows.map((r) => ({ row: r, contact: presentContact(r, r.consent) }));
    });
  }

  async function get(options: { principal: Principal; contactId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const row = await findContact(tx, { tenantId, contactId: options.contactId });
      if (!row) throw contactNotFound();
      return present(tx, tenantId, row);
    });
  }

  async function create(options: { principal: Principal; input: ContactInput; source?: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const columns = inputColumns(options.input, { country: await countryOf(tx, tenantId) });
      await checkInput(tx, { tenantId, input: options.input, columns });
      const [row] = await tx
        .insert(contacts)
        .values({ ...columns, tenantId, source: options.source ?? 'manual' })
        .returning();
      await events.emit(tx, 'contacts.changed', { tenantId, contactIds: [row!.id] });
      return present(tx, tenantId, (await findContact(tx, { tenantId, contactId: row!.id }))!);
    });
  }

  async function update(options: { principal: Principal; contactId: string; input: ContactInput }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const existing = await findContact(tx, { tenantId, contactId: options.contactId });
      if (!existing) throw contactNotFound();
      const columns = inputColumns(options.input, { country: await countryOf(tx, tenantId), existing });
      await checkInput(tx, { tenantId, input: options.input, columns, contactId: existing.id });
      await tx.update(contacts).set(columns).where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, existing.id)));
      await events.emit(tx, 'contacts.changed', { tenantId, contactIds: [existing.id] });
      return present(tx, tenantId, (await findContact(tx, { tenantId, contactId: existing.id }))!);
    });
  }

  async function remove(options: { principal: Principal; contactId: string }) {
    const { tenantId } = options.principal;
    await database.withTenant(tenantId, async (tx) => {
      const deleted = await tx
        .delete(contacts)
        .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, options.contactId)))
        .returning({ id: contacts.id });
      if (deleted.length === 0) throw contactNotFound();
    });
  }

  return { list, get, create, update, remove, countryOf };
}

export type ContactsService = ReturnType<typeof createContactsService>;
