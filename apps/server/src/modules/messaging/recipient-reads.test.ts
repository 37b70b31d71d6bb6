import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildTenant } from '../../../test/factories';
import { identitiesOf } from './identity';
import { contactAddresses } from './messaging.repository';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/**
 * A drain reads the numbers and identities of each slice it claims, and slices come in every size
 * (the end of a round, messages another drain took). Every query is a prepared statement kept by its
 * connection for good (decision 0003), on the client and on the server: one statement per list
 * length kept a connection growing for as long as it lived (2,005 statements and +105 MB of heap
 * for lengths 1 to 1,000 on one connection).
 */
describe('reading the recipients of a slice', () => {
  it('prepares one statement per query whatever the number of contacts', async () => {
    const tenant = await buildTenant(t);
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const lengths = [1, 2, 3, 5, 8, 13, 21, 34, 40];
    const statements = await t.runtime.deps.database.withTenant(tenant.id, async (tx) => {
      for (const n of lengths) {
        expect((await contactAddresses(tx, tenant.id, ids.slice(0, n))).size).toBe(0);
        expect(await identitiesOf(tx, { tenantId: tenant.id, contactIds: ids.slice(0, n) })).toEqual([]);
      }
      // The statements this session has prepared (on PGlite, the one session every client shares).
      return tx.execute<{ addresses: number; identities: number }>(sql`
        select count(distinct statement) filter (where statement like 'select "id", "phone_e164", "email" from "contacts"%')::int as addresses,
               count(distinct statement) filter (where statement like '%from "contact_identities"%')::int as identities
          from pg_prepared_statements`);
    });
    expect(statements[0]).toEqual({ addresses: 1, identities: 1 });
  });
});
