import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { usingRealPostgres } from '../../../test/db';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { contacts } from '../contacts/contacts.tables';
import { campaignRecipients, campaigns } from './campaigns.tables';
import { materializeBatch } from './campaigns.repository';

/**
 * The ledger has no foreign keys (decision 0046). What they guaranteed is kept by the triggers of
 * migration 0031 (a deleted contact or campaign takes its ledger rows along; keys do not change
 * under the ledger) and by the tenant's ledger lock, exclusive in materializeBatch and shared in the
 * contacts' triggers (migration 0033, decision 0055: a contact deleted while its batch is written
 * never leaves a ledger row behind). Each test fails without its piece.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

let prefix = 0;

/** A launched campaign to `count` gate-passing contacts, not yet materialised. */
async function launched(client: TestClient, tenantId: string, count: number) {
  const ids = await buildGatePassingContacts(t, tenantId, { count, numberPrefix: '+549117', from: 100 * prefix++ });
  const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
  const template = await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}' });
  const created = await client.post('/api/v1/campaigns', { name: 'Claves', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds: ids }, pacing: { mode: 'fixed', delaySeconds: 0 } });
  expect(created.status, created.text).toBe(201);
  expect((await client.post(`/api/v1/campaigns/${created.body.id}/launch`)).status).toBeLessThan(300);
  return { campaignId: created.body.id as string, ids: ids.sort() };
}

const ledgerContacts = async (tenantId: string) =>
  (await t.db.withTenant(tenantId, (tx) => tx.select({ contactId: campaignRecipients.contactId }).from(campaignRecipients).where(eq(campaignRecipients.tenantId, tenantId)))).map((r) => r.contactId).sort();

const deleteContacts = (tenantId: string, ids: string[]) => t.db.withTenant(tenantId, (tx) => tx.delete(contacts).where(and(eq(contacts.tenantId, tenantId), inArray(contacts.id, ids))));

/** The PostgreSQL error code a promise rejected with (postgres.js's, or the one Drizzle wraps). */
const errorCode = (promise: Promise<unknown>) => promise.then(() => null, (err: { code?: string; cause?: { code?: string } }) => err.cause?.code ?? err.code ?? String(err));

describe('the campaign ledger without foreign keys', () => {
  it('deleting contacts, one or several in one statement, deletes their ledger rows and no others', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, ids } = await launched(client, user.tenantId, 5);
    expect(await t.runtime.modules.campaigns.engine.materialize(user.tenantId, campaignId)).toBe(5);
    await deleteContacts(user.tenantId, [ids[0]!]);
    await deleteContacts(user.tenantId, [ids[2]!, ids[3]!]);
    expect(await ledgerContacts(user.tenantId)).toEqual([ids[1], ids[4]]);
  });

  it('deleting a campaign deletes its ledger rows', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId } = await launched(client, user.tenantId, 3);
    await t.runtime.modules.campaigns.engine.materialize(user.tenantId, campaignId);
    expect(await ledgerContacts(user.tenantId)).toHaveLength(3);
    // The API deletes drafts only; the database keeps the ledger consistent whoever deletes.
    await t.db.withTenant(user.tenantId, (tx) => tx.delete(campaigns).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, campaignId))));
    expect(await ledgerContacts(user.tenantId)).toEqual([]);
  });

  it('refuses a second ledger row with a message hash already in the ledger (the campaign and phone line it names)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, ids } = await launched(client, user.tenantId, 2);
    await t.runtime.modules.campaigns.engine.materialize(user.tenantId, campaignId);
    const copy = (contactId: string) =>
      errorCode(
        t.db.withTenant(user.tenantId, (tx) =>
          tx.execute(sql`insert into campaign_recipients (tenant_id, campaign_id, contact_id, message_hash, due_at)
                         select tenant_id, campaign_id, ${contactId}::uuid, message_hash, due_at from campaign_recipients
                          where tenant_id = ${user.tenantId} and contact_id = ${ids[0]}`),
        ),
      );
    expect(await copy(crypto.randomUUID())).toBe('23505');
    expect(await ledgerContacts(user.tenantId)).toEqual(ids);
  });

  it("refuses to change a ledger row's key, or the key of a contact or campaign the ledger refers to", async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, ids } = await launched(client, user.tenantId, 2);
    await t.runtime.modules.campaigns.engine.materialize(user.tenantId, campaignId);
    const inTenant = (statement: ReturnType<typeof sql>) => errorCode(t.db.withTenant(user.tenantId, (tx) => tx.execute(statement)));
    expect(await inTenant(sql`update campaign_recipients set contact_id = gen_random_uuid() where tenant_id = ${user.tenantId} and contact_id = ${ids[0]}`)).toBe('23503');
    expect(await inTenant(sql`update contacts set id = gen_random_uuid() where tenant_id = ${user.tenantId} and id = ${ids[0]}`)).toBe('23503');
    expect(await inTenant(sql`update campaigns set id = gen_random_uuid() where tenant_id = ${user.tenantId} and id = ${campaignId}`)).toBe('23503');
    // Other columns of all three change as before.
    expect(await inTenant(sql`update campaign_recipients set attempts = 1 where tenant_id = ${user.tenantId} and contact_id = ${ids[0]}`)).toBeNull();
    expect(await inTenant(sql`update contacts set first_name = 'Eva', id = id where tenant_id = ${user.tenantId} and id = ${ids[0]}`)).toBeNull();
    expect(await ledgerContacts(user.tenantId)).toEqual(ids);
  });
});

/** Waits until some session waits for a lock (or 3 s pass: then the test's assertions tell). */
async function someoneWaitsForALock() {
  for (let i = 0; i < 60; i++) {
    const [row] = await t.db.withoutTenant((tx) => tx.execute<{ n: number }>(sql`select count(*)::int as n from pg_locks where not granted and pid in (select pid from pg_stat_activity where datname = current_database())`));
    if (row!.n > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A gate a transaction waits at, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe.skipIf(!usingRealPostgres())('a contact deleted while its ledger batch is written (PostgreSQL sessions)', () => {
  it('deleted first: the batch waits for the delete, then skips the contact and still fills its limit from the next ones', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, ids } = await launched(client, user.tenantId, 6);
    const held = gate();
    const deleting = t.db.withTenant(user.tenantId, async (tx) => {
      await tx.delete(contacts).where(and(eq(contacts.tenantId, user.tenantId), eq(contacts.id, ids[1]!)));
      await held.opened;
    });
    // The delete has run (its trigger found no ledger row) and is not committed when the batch reads.
    await new Promise((r) => setTimeout(r, 200));
    const writing = t.db.withTenant(user.tenantId, (tx) =>
      materializeBatch(tx, {
        tenantId: user.tenantId,
        campaignId,
        where: and(eq(contacts.tenantId, user.tenantId), inArray(contacts.id, ids))!,
        afterId: null,
        offset: 0,
        limit: 3,
        channelIds: [crypto.randomUUID()],
        slots: { start: new Date(), intervalSeconds: 0, jitterSeconds: 0, dailyCap: null },
      }),
    );
    await someoneWaitsForALock();
    held.open();
    await deleting;
    expect(await writing).toEqual({ lastId: ids[3], taken: 3, inserted: 3 });
    expect(await ledgerContacts(user.tenantId)).toEqual([ids[0], ids[2], ids[3]]);
  });

  it('deleted after the batch read it: the delete waits for the batch to commit, then deletes the row it wrote', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, ids } = await launched(client, user.tenantId, 4);
    const held = gate();
    let deleting: Promise<unknown> | undefined;
    await t.db.withTenant(user.tenantId, async (tx) => {
      await materializeBatch(tx, {
        tenantId: user.tenantId,
        campaignId,
        where: and(eq(contacts.tenantId, user.tenantId), inArray(contacts.id, ids))!,
        afterId: null,
        offset: 0,
        limit: 10,
        channelIds: [crypto.randomUUID()],
        slots: { start: new Date(), intervalSeconds: 0, jitterSeconds: 0, dailyCap: null },
      });
      deleting = deleteContacts(user.tenantId, [ids[2]!]).then(held.open);
      await Promise.race([held.opened, someoneWaitsForALock()]);
    });
    await deleting;
    expect(await ledgerContacts(user.tenantId)).toEqual([ids[0], ids[1], ids[3]]);
  });
  it('two transactions deleting contacts of the tenant do not wait for each other (they share the lock)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, ids } = await launched(client, user.tenantId, 3);
    await t.runtime.modules.campaigns.engine.materialize(user.tenantId, campaignId);
    const held = gate();
    const first = t.db.withTenant(user.tenantId, async (tx) => {
      await tx.delete(contacts).where(and(eq(contacts.tenantId, user.tenantId), eq(contacts.id, ids[0]!)));
      await held.opened;
    });
    await new Promise((r) => setTimeout(r, 200));
    // The first is still open, holding the lock shared: the second deletes and commits meanwhile.
    await deleteContacts(user.tenantId, [ids[1]!]);
    expect(await ledgerContacts(user.tenantId)).toEqual([ids[0], ids[2]]);
    held.open();
    await first;
    expect(await ledgerContacts(user.tenantId)).toEqual([ids[2]]);
  });
});
