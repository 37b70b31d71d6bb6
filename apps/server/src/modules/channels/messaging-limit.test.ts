import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness';
import { openTestDatabase, usingRealPostgres } from '../../../test/db';
import { buildSignedInUser } from '../../../test/factories';
import { admitConversationStarts } from './messaging-limit';

/**
 * The per-number lock is what keeps the messaging limit exact when claims of several workers and
 * processes run at once: each of them counts the places taken and inserts its own, and two counts
 * made before either insert commits would both see the same free places. Only real PostgreSQL can
 * show it: PGlite runs one session, so its transactions never overlap.
 */
const WORKERS = 6;
let t: TestApp;
beforeAll(async () => {
  if (!usingRealPostgres()) return;
  // One connection per racing claim, and some to spare for the app and the watcher.
  t = await startTestApp({ db: await openTestDatabase({ poolSize: WORKERS + 4 }) });
});
afterAll(async () => {
  await t?.close();
  await t?.db.close();
});

describe.skipIf(!usingRealPostgres())('messaging limit under concurrent claims (real PostgreSQL only: PGlite has one session, nothing there runs at once)', () => {
  it('never starts more conversations than the tier when claims on several connections race for its last places', async () => {
    const { client, user } = await buildSignedInUser(t);
    const tenantId = user.tenantId;
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
    expect(channel.status, channel.text).toBe(201);
    const channelId = channel.body.id as string;
    const perDay = 10;
    // Seven places already taken today: three left.
    await t.db.withTenant(tenantId, (tx) =>
      tx.execute(sql`insert into channel_conversation_starts (tenant_id, channel_id, contact_id, started_at)
                     select ${tenantId}::uuid, ${channelId}::uuid, gen_random_uuid(), now() - interval '1 hour' from generate_series(1, 7)`),
    );

    // Each claim takes its places, then holds its transaction open until every other claim has taken
    // theirs too, or is waiting for the number's lock (it cannot get further until this one commits):
    // without the lock all of them count the same three free places before any of them commits.
    let admittedSoFar = 0;
    const allThere = async () => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const [waiting] = await t.db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`;
        if (admittedSoFar + waiting!.n >= WORKERS) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the racing claims never all arrived');
    };
    const claims = Array.from({ length: WORKERS }, () =>
      t.db.withTenant(tenantId, async (tx) => {
        const { admitted } = await admitConversationStarts(tx, { tenantId, channelId, perDay, contactIds: [randomUUID(), randomUUID()] });
        admittedSoFar++;
        await allThere();
        return admitted.size;
      }),
    );
    const admitted = (await Promise.all(claims)).reduce((a, b) => a + b, 0);

    const [kept] = await t.db.withTenant(tenantId, (tx) => tx.execute<{ n: number }>(sql`select count(*)::int as n from channel_conversation_starts where tenant_id = ${tenantId}::uuid and channel_id = ${channelId}::uuid`));
    expect(admitted).toBe(3);
    expect(kept!.n).toBe(perDay);
  });
});
