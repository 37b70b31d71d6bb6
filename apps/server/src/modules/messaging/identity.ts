import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import type { DomainEvents } from '../../platform/events/domain-events';
import { findOrCreateContactsForSenders } from '../contacts';
import type { InboundSender } from '../channels';
import { contactIdentities, type IdentityKind } from './messaging.tables';
import { equalsAny } from '../../platform/db/equals-any';

export type ResolvedSender = { contactId: string; created: boolean; phoneE164: string | null; country: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Identity = { kind: IdentityKind; value: string };
const keyOf = (i: Identity) => `${i.kind}:${i.value}`;

/**
 * One person is one contact however the provider names them: the number in any format (the
 * contacts module's phone key), the WhatsApp id, the `@lid` id, the iMessage handle. The number
 * wins when there is one; the other identities are remembered and re-pointed to its contact.
 *
 * For a whole batch of senders (a drain's batch of webhooks), with the outcome of resolving them
 * one after the other in order, in a few statements: one read of the batch's identities, the
 * contacts module's batch lookup (and creation) by number or e-mail, and one write of the
 * identities that are new or move. Results are in the order of `senders`.
 */
export async function resolveSenders(tx: Tx, events: DomainEvents, options: { tenantId: string; senders: { sender: InboundSender; source: string }[] }): Promise<ResolvedSender[]> {
  const { tenantId } = options;
  const parsed = options.senders.map(({ sender, source }) => {
    const identities: Identity[] = [];
    if (sender.lid) identities.push({ kind: 'lid', value: sender.lid });
    if (sender.waId) identities.push({ kind: 'wa_id', value: sender.waId });
    if (sender.handle) identities.push({ kind: 'handle', value: sender.handle.trim().toLowerCase() });
    const handleIsEmail = sender.handle ? EMAIL.test(sender.handle.trim()) : false;
    const phone = sender.phone ?? (sender.handle && !handleIsEmail ? sender.handle : null);
    return { sender, source, identities, phone, email: handleIsEmail ? sender.handle! : null };
  });
  if (parsed.length === 0) return [];

  // What the database knows of every identity in the batch.
  const all = [...new Map(parsed.flatMap((p) => p.identities).map((i) => [keyOf(i), i])).values()];
  const known = new Map<string, string>();
  if (all.length) {
    // One probe of the unique (kind, value) index per identity: never a scan of the tenant's identities.
    const rows = await tx.execute<{ kind: string; value: string; contact_id: string }>(sql`
      select v.kind, v.value, i.contact_id
        from unnest(${sql.param(all.map((i) => i.kind))}::text[], ${sql.param(all.map((i) => i.value))}::text[]) as v(kind, value)
        cross join lateral (
          select ${contactIdentities.contactId} from ${contactIdentities}
           where ${contactIdentities.tenantId} = ${tenantId} and ${contactIdentities.kind} = v.kind and ${contactIdentities.value} = v.value
           limit 1) as i`);
    for (const r of rows) known.set(`${r.kind}:${r.value}`, r.contact_id);
  }

  // Senders with a number (or an e-mail handle and no known identity) are the contacts module's to find or create.
  const byNumber = await findOrCreateContactsForSenders(tx, events, {
    tenantId,
    senders: parsed.filter((p) => p.phone).map((p) => ({ phone: p.phone, email: p.email, name: p.sender.name ?? null, source: p.source })),
  });
  let n = 0;
  // In order, as one-by-one processing would: a number re-points its identities; an identity alone
  // finds the contact it points to at that moment, or its sender needs a new contact.
  const current = new Map(known);
  const moved = new Map<string, { identity: Identity; contactId: string | null; repoint: boolean; placeholder?: number }>();
  type Pending = { email: string | null; name: string | null; source: string };
  const toCreate: Pending[] = [];
  const outcome: (ResolvedSender | { placeholder: number })[] = parsed.map((p) => {
    if (p.phone) {
      const r = byNumber[n++]!;
      for (const i of p.identities) {
        current.set(keyOf(i), r.contactId);
        moved.set(keyOf(i), { identity: i, contactId: r.contactId, repoint: true });
      }
      return r;
    }
    const hit = p.identities.map((i) => current.get(keyOf(i))).find((c) => c !== undefined);
    let target: string;
    if (hit !== undefined) target = hit;
    else {
      target = `new:${toCreate.length}`;
      toCreate.push({ email: p.email, name: p.sender.name ?? null, source: p.source });
    }
    const placeholder = target.startsWith('new:') ? Number(target.slice(4)) : undefined;
    for (const i of p.identities) {
      if (current.has(keyOf(i))) continue; // Only a number re-points an identity.
      current.set(keyOf(i), target);
      moved.set(keyOf(i), { identity: i, contactId: placeholder === undefined ? target : null, repoint: false, ...(placeholder === undefined ? {} : { placeholder }) });
    }
    return placeholder === undefined ? { contactId: target, created: false, phoneE164: null, country: '' } : { placeholder };
  });
  // Senders known only by identities nobody has seen: one new contact each (per e-mail address when they have one).
  const created = await findOrCreateContactsForSenders(tx, events, { tenantId, senders: toCreate.map((c) => ({ phone: null, email: c.email, name: c.name, source: c.source })) });
  const resolved = outcome.map((o) => ('placeholder' in o ? created[o.placeholder]! : o));

  const writes = [...moved.values()]
    .map((m) => ({ ...m, contactId: m.contactId ?? created[m.placeholder!]!.contactId }))
    .filter((m) => known.get(keyOf(m.identity)) !== m.contactId);
  for (const repoint of [true, false]) {
    const rows = writes.filter((w) => w.repoint === repoint);
    if (!rows.length) continue;
    // Only a number re-points an identity; an identity alone never moves one.
    await tx.execute(sql`
      insert into ${contactIdentities} as i (tenant_id, kind, value, contact_id)
      select ${tenantId}, v.kind, v.value, v.contact_id
        from unnest(${sql.param(rows.map((w) => w.identity.kind))}::text[], ${sql.param(rows.map((w) => w.identity.value))}::text[], ${sql.param(rows.map((w) => w.contactId))}::uuid[])
          as v(kind, value, contact_id)
      on conflict (tenant_id, kind, value) do update set contact_id = excluded.contact_id where ${repoint ? sql`true` : sql`false`}`);
  }
  return resolved;
}

/** The provider addresses known for a contact (for sending to an iMessage handle or a wa_id). */
export async function identitiesOf(tx: Tx, options: { tenantId: string; contactIds: string[] }) {
  if (!options.contactIds.length) return [];
  return tx
    .select()
    .from(contactIdentities)
    // One array parameter, one prepared statement whatever the number of contacts (see contactAddresses).
    .where(and(eq(contactIdentities.tenantId, options.tenantId), equalsAny(contactIdentities.contactId, options.contactIds)));
}
