import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import type { DomainEvents } from '../../platform/events/domain-events';
import { findOrCreateContactForSender } from '../contacts';
import type { InboundSender } from '../channels';
import { contactIdentities, type IdentityKind } from './messaging.tables';

export type ResolvedSender = { contactId: string; created: boolean; phoneE164: string | null; country: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * One person is one contact however the provider names them: the number in any format (the
 * contacts module's phone key), the WhatsApp id, the `@lid` id, the iMessage handle. The number
 * wins when there is one; the other identities are remembered and re-pointed to its contact.
 */
export async function resolveSender(tx: Tx, events: DomainEvents, options: { tenantId: string; sender: InboundSender; source: string }): Promise<ResolvedSender> {
  const { tenantId, sender } = options;
  const identities: { kind: IdentityKind; value: string }[] = [];
  if (sender.lid) identities.push({ kind: 'lid', value: sender.lid });
  if (sender.waId) identities.push({ kind: 'wa_id', value: sender.waId });
  if (sender.handle) identities.push({ kind: 'handle', value: sender.handle.trim().toLowerCase() });

  let resolved: ResolvedSender | null = null;
  const handleIsEmail = sender.handle ? EMAIL.test(sender.handle.trim()) : false;
  const phone = sender.phone ?? (sender.handle && !handleIsEmail ? sender.handle : null);
  if (!phone && identities.length) {
    const [known] = await tx
      .select({ contactId: contactIdentities.contactId })
      .from(contactIdentities)
      .where(and(eq(contactIdentities.tenantId, tenantId), or(...identities.map((i) => and(eq(contactIdentities.kind, i.kind), eq(contactIdentities.value, i.value))))))
      .limit(1);
    if (known) resolved = { contactId: known.contactId, created: false, phoneE164: null, country: '' };
  }
  resolved ??= await findOrCreateContactForSender(tx, events, {
    tenantId,
    phone,
    email: handleIsEmail ? sender.handle! : null,
    name: sender.name ?? null,
    source: options.source,
  });
  if (identities.length) {
    await tx
      .insert(contactIdentities)
      .values(identities.map((i) => ({ tenantId, kind: i.kind, value: i.value, contactId: resolved.contactId })))
      .onConflictDoUpdate({
        target: [contactIdentities.tenantId, contactIdentities.kind, contactIdentities.value],
        set: { contactId: sql`excluded.contact_id` },
        // Only a number re-points an identity; an identity alone never moves one.
        setWhere: phone ? sql`true` : sql`false`,
      });
  }
  return resolved;
}

/** The provider addresses known for a contact (for sending to an iMessage handle or a wa_id). */
export async function identitiesOf(tx: Tx, options: { tenantId: string; contactIds: string[] }) {
  if (!options.contactIds.length) return [];
  return tx
    .select()
    .from(contactIdentities)
    .where(and(eq(contactIdentities.tenantId, options.tenantId), inArray(contactIdentities.contactId, options.contactIds)));
}
