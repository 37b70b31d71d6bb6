import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { memoInTx } from '../../platform/db/tx-memo';
import type { DomainEvents } from '../../platform/events/domain-events';
import { getTenant } from '../tenants';
import { contacts } from './contacts.tables';
import { findContactByPhoneKey, isBlacklisted } from './contacts.repository';
import { searchTextOf } from './contact-filter';
import { normalizePhone } from './phone';

export type ContactForSender = { contactId: string; created: boolean; phoneE164: string | null; country: string };

/**
 * The contact behind someone who wrote on a channel: found by the number's identity (any format
 * of it), or by e-mail for an iMessage e-mail handle, or created with the channel as its source.
 * Safe against two messages from a new number processed at once: the unique phone key decides.
 */
export async function findOrCreateContactForSender(
  tx: Tx,
  events: DomainEvents,
  options: { tenantId: string; phone: string | null; email?: string | null; name?: string | null; source: string },
): Promise<ContactForSender> {
  const { tenantId } = options;
  const country = await memoInTx(tx, `tenant-country:${tenantId}`, async () => (await getTenant(tx, tenantId)).country);
  const phone = options.phone ? normalizePhone(options.phone, country) : null;
  const key = phone?.key && phone.valid ? phone.key : null;
  if (key) {
    const found = await findContactByPhoneKey(tx, { tenantId, phoneKey: key });
    if (found) return { contactId: found.id, created: false, phoneE164: found.phoneE164, country };
  }
  const email = options.email?.trim().toLowerCase() || null;
  if (!key && email) {
    const [found] = await tx
      .select({ id: contacts.id, phoneE164: contacts.phoneE164 })
      .from(contacts)
      .where(and(eq(contacts.tenantId, tenantId), eq(contacts.email, email)))
      .orderBy(contacts.id)
      .limit(1);
    if (found) return { contactId: found.id, created: false, phoneE164: found.phoneE164, country };
  }
  const [firstName = '', ...rest] = (options.name ?? '').trim().split(/\s+/);
  const lastName = rest.join(' ');
  const values = {
    tenantId,
    firstName: firstName.slice(0, 200),
    lastName: lastName.slice(0, 200),
    email,
    phoneRaw: options.phone ?? '',
    phoneE164: phone?.e164 ?? null,
    phoneKey: key,
    phoneValid: phone?.valid ?? false,
    phoneType: phone?.type ?? null,
    phoneCountry: phone?.country ?? null,
    source: options.source,
    searchText: searchTextOf({ firstName, lastName, email }),
    blacklisted: await isBlacklisted(tx, { tenantId, phoneKey: key }),
  };
  const [row] = key
    ? await tx
        .insert(contacts)
        .values(values)
        .onConflictDoNothing({ target: [contacts.tenantId, contacts.phoneKey], where: sql`${contacts.phoneKey} is not null` })
        .returning({ id: contacts.id })
    : await tx.insert(contacts).values(values).returning({ id: contacts.id });
  if (!row) {
    // Another transaction created it first.
    const found = await findContactByPhoneKey(tx, { tenantId, phoneKey: key! });
    return { contactId: found!.id, created: false, phoneE164: found!.phoneE164, country };
  }
  await events.emit(tx, 'contacts.changed', { tenantId, contactIds: [row.id] });
  return { contactId: row.id, created: true, phoneE164: values.phoneE164, country };
}
