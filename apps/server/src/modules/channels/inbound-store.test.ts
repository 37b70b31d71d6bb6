import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from 'postgres';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { channelAccounts, inboundEvents } from './channels.tables';
import { createInboundStore } from './inbound-store';
import { signMetaBody } from './whatsapp-cloud/signature';

/**
 * The storing half of the inbound path under concurrency: group commit (many webhooks, one
 * transaction, each answered after its commit), duplicates inside one batch, a bad item in a
 * batch, and the channel cache (a rotated secret or a deleted channel is seen at once).
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const APP_SECRET = 'meta-app-secret-group-commit';

async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: '106540352242922', businessAccountId: '102290129340398', accessToken: 'EAAG-token', appSecret: APP_SECRET, verifyToken: 'verify-me-please' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

const textPayload = (id: string) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: '106540352242922' }, contacts: [{ wa_id: '5491144445555', profile: { name: 'Ana' } }], messages: [{ from: '5491144445555', id, timestamp: '1767225600', type: 'text', text: { body: `hola ${id}` } }] } }] }],
  });

function post(channelId: string, body: string, secret = APP_SECRET) {
  return t.client().request('POST', `/webhooks/whatsapp/${channelId}`, {
    rawBody: body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(Buffer.from(body), secret) },
  });
}

async function stored(tenantId: string, channelId: string) {
  return t.db.withTenant(tenantId, (tx) =>
    tx
      .select({ providerEventId: inboundEvents.providerEventId, body: inboundEvents.body, receivedAt: inboundEvents.receivedAt })
      .from(inboundEvents)
      .where(and(eq(inboundEvents.tenantId, tenantId), eq(inboundEvents.channelId, channelId))),
  );
}

async function queuedDrains(tenantId: string) {
  const rows = await t.db.sql<{ n: number }[]>`
    select count(*)::int as n from pgboss.job where name = 'channels.drain-inbound' and singleton_key = ${tenantId} and state = 'created'`;
  return rows[0]!.n;
}

describe('storing webhooks with group commit', () => {
  it('stores many concurrent webhooks exactly once each, in shared transactions, with one drain scheduled', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const bodies = Array.from({ length: 300 }, (_, i) => textPayload(`wamid.many.${i}`));
    const answers = await Promise.all(bodies.map((b) => post(channel.id, b)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
    expect(answers.every((a) => a.body.duplicate === false)).toBe(true);
    const rows = await stored(user.tenantId, channel.id);
    expect(rows).toHaveLength(300);
    // Exactly the bytes that were sent, each once.
    expect(rows.map((r) => r.body.toString('utf8')).sort()).toEqual([...bodies].sort());
    // received_at is the transaction's start time: fewer distinct values than rows means shared transactions.
    expect(new Set(rows.map((r) => r.receivedAt.getTime())).size).toBeLessThan(300);
    expect(await queuedDrains(user.tenantId)).toBe(1);
  });

  it('stores the exact bytes whatever they are (not UTF-8, every byte value, any length) and answers with JSON', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // Every byte value, then lengths 0-2 past a multiple of three (the encoding's padding cases).
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const bodies = [every, Buffer.concat([every, Buffer.from([0xff])]), Buffer.concat([every, Buffer.from([0xfe, 0x00])]), Buffer.from([0xc3, 0x28, 0x2b, 0x2f, 0x3d])];
    const answers = await Promise.all(
      bodies.map((body) =>
        t.client().request('POST', `/webhooks/whatsapp/${channel.id}`, { rawBody: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(body, APP_SECRET) } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((a) => a.text)).toEqual(bodies.map(() => '{"ok":true,"duplicate":false}'));
    expect(answers.every((a) => String(a.headers['content-type']).startsWith('application/json'))).toBe(true);
    const rows = await stored(user.tenantId, channel.id);
    expect(rows.map((r) => r.body.toString('hex')).sort()).toEqual(bodies.map((b) => b.toString('hex')).sort());
    // The same bytes again: answered as a duplicate.
    const again = await t.client().request('POST', `/webhooks/whatsapp/${channel.id}`, { rawBody: bodies[3], headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(bodies[3]!, APP_SECRET) } });
    expect(again.text).toBe('{"ok":true,"duplicate":true}');
  });

  it('answers duplicates inside one batch as duplicates and keeps one row', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const same = textPayload('wamid.same');
    const answers = await Promise.all([...Array.from({ length: 10 }, () => post(channel.id, same)), ...Array.from({ length: 10 }, (_, i) => post(channel.id, textPayload(`wamid.other.${i}`)))]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.slice(0, 10).filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(answers.slice(10).every((a) => a.body.duplicate === false)).toBe(true);
    expect(await stored(user.tenantId, channel.id)).toHaveLength(11);
    // Sent again later (a provider retry): a duplicate, nothing new.
    expect((await post(channel.id, same)).body.duplicate).toBe(true);
    expect(await stored(user.tenantId, channel.id)).toHaveLength(11);
  });

  it('keeps tenants apart: concurrent webhooks of two tenants land each in its own tenant', async () => {
    const a = await buildSignedInUser(t);
    const b = await buildSignedInUser(t);
    const [ca, cb] = [await cloudChannel(a.client), await cloudChannel(b.client)];
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? post(cb.id, textPayload(`wamid.b.${i}`)) : post(ca.id, textPayload(`wamid.a.${i}`)))));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const [ra, rb] = [await stored(a.user.tenantId, ca.id), await stored(b.user.tenantId, cb.id)];
    expect(ra).toHaveLength(30);
    expect(rb).toHaveLength(30);
    expect(ra.every((r) => r.body.toString().includes('wamid.a.'))).toBe(true);
    expect(rb.every((r) => r.body.toString().includes('wamid.b.'))).toBe(true);
    // Under row-level security neither tenant sees the other's channel rows.
    expect(await stored(a.user.tenantId, cb.id)).toHaveLength(0);
  });

  it('a bad item in a batch fails alone: the others are stored once and answered, the bad one is not acknowledged', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const { inbound } = t.runtime.modules.channels;
    const event = (providerEventId: string) => inbound.storeEvent({ tenantId: user.tenantId, channelId: channel.id, providerEventId, rawBody: Buffer.from(providerEventId) });
    // PostgreSQL text cannot hold U+0000: the insert of a batch holding this id fails.
    const outcomes = await Promise.allSettled([...Array.from({ length: 20 }, (_, i) => event(`good-${i}`)), event('bad-\u0000-id'), ...Array.from({ length: 20 }, (_, i) => event(`good-${20 + i}`))]);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(outcomes[20]!.status).toBe('rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled').every((o) => (o as PromiseFulfilledResult<{ stored: boolean }>).value.stored)).toBe(true);
    const ids = (await stored(user.tenantId, channel.id)).map((r) => r.providerEventId).sort();
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => `good-${i}`).sort());
    expect(await queuedDrains(user.tenantId)).toBe(1);
  });

  it('a rotated app secret takes effect at once although the channel was cached: the old one is refused, the new one accepted', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    expect((await post(channel.id, textPayload('wamid.before'))).status).toBe(200);
    // Rotated behind this process's back (another process, or the database directly).
    const rotated = t.runtime.deps.secrets.encrypt(JSON.stringify({ accessToken: 'EAAG-token', appSecret: 'rotated-app-secret', verifyToken: 'verify-me-please' }));
    await t.db.withTenant(user.tenantId, (tx) => tx.update(channelAccounts).set({ secrets: rotated }).where(and(eq(channelAccounts.tenantId, user.tenantId), eq(channelAccounts.id, channel.id))));
    const old = await post(channel.id, textPayload('wamid.old-secret'));
    expect(old.status).toBe(401);
    const fresh = await post(channel.id, textPayload('wamid.new-secret'), 'rotated-app-secret');
    expect(fresh.status).toBe(200);
    // And the cache now holds the new secret: the old one stays refused.
    expect((await post(channel.id, textPayload('wamid.old-again'))).status).toBe(401);
    expect((await stored(user.tenantId, channel.id)).map((r) => r.providerEventId)).toHaveLength(2);
  });

  it('a deleted channel stops accepting webhooks at once although it was cached', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    expect((await post(channel.id, textPayload('wamid.alive'))).status).toBe(200);
    await t.db.withTenant(user.tenantId, (tx) => tx.execute(sql`delete from inbound_events where tenant_id = ${user.tenantId}`));
    expect((await client.request('DELETE', `/api/v1/channels/${channel.id}`)).status).toBe(200);
    const after = await post(channel.id, textPayload('wamid.after-delete'));
    expect(after.status).toBe(404);
    expect(await stored(user.tenantId, channel.id)).toHaveLength(0);
  });

  it('stores a signed BlueBubbles event whose guid holds U+0000 under the hash of its bytes (a 200, not a 500)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const res = await client.post('/api/v1/channels', { kind: 'bluebubbles', name: 'iMessage', config: { serverUrl: 'http://127.0.0.1:1234', password: 'bb-password' } });
    expect(res.status).toBe(201);
    const secret = res.body.webhookUrl.split('/').at(-1);
    const body = JSON.stringify({ type: 'new-message', data: { guid: 'bb-\u0000-1', text: 'hola' } });
    const answer = await t.client().request('POST', `/webhooks/bluebubbles/${res.body.id}/${secret}`, { rawBody: body, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect((await stored(user.tenantId, res.body.id)).map((r) => r.providerEventId)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    // The secret is in the webhook's URL: webhook requests are not logged at info level.
    expect(t.logs.join('\n')).not.toContain(secret);
  });
});

describe('the batch transaction', () => {
  /** A store of its own on the app's database, with a scheduler that notes the transaction it ran in. */
  function storeWith(schedule: (connection: Sql) => Promise<string>) {
    const scheduledIn: string[] = [];
    const store = createInboundStore({
      database: t.runtime.deps.database,
      decrypt: () => ({}),
      schedule: async (connection) => scheduledIn.push(await schedule(connection)),
      committed: () => undefined,
    });
    return { store, scheduledIn };
  }
  const txid = async (connection: Sql) => (await connection.unsafe<{ x: string }[]>('select txid_current()::text as x'))[0]!.x;

  async function writtenIn(tenantId: string, providerEventIds: string[]) {
    const rows = await t.db.withTenant(tenantId, (tx) =>
      tx.execute<{ x: string }>(sql`select xmin::text as x from inbound_events where tenant_id = ${tenantId} and provider_event_id = any(${sql.param(providerEventIds)}::text[])`),
    );
    return [...new Set((rows as unknown as { x: string }[]).map((r) => r.x))];
  }

  it('schedules the drain inside the transaction that stores the batch, also when the scheduler sends its statement late', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const item = (id: string) => ({ tenantId: user.tenantId, channelId: channel.id, providerEventId: id, body: Buffer.from(id), headers: {}, fingerprint: null });
    for (const [name, schedule] of [
      ['at once', txid],
      ['late', async (connection: Sql) => (await new Promise((r) => setTimeout(r, 20)), txid(connection))],
    ] as const) {
      const { store, scheduledIn } = storeWith(schedule);
      const ids = Array.from({ length: 5 }, (_, i) => `tx-${name}-${i}`);
      expect(await Promise.all(ids.map((id) => store.store(item(id))))).toEqual(ids.map(() => 'stored'));
      // One transaction for the five, and the scheduler's statement ran in it.
      expect(scheduledIn).toHaveLength(1);
      expect(await writtenIn(user.tenantId, ids)).toEqual(scheduledIn);
    }
  });

  it('stores nothing and acknowledges nothing when the scheduling fails, and leaves no transaction or setting behind', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const { store } = storeWith(async (connection) => (await connection.unsafe('select 1/0'), ''));
    const outcomes = await Promise.allSettled(['fail-1', 'fail-2'].map((id) => store.store({ tenantId: user.tenantId, channelId: channel.id, providerEventId: id, body: Buffer.from(id), headers: {}, fingerprint: null })));

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await stored(user.tenantId, channel.id)).toHaveLength(0);
    // The pool's connections are back to their defaults (the batch's settings are local to its
    // transaction: a transaction left open would still show them): no tenant, the planner's own plan choice.
    const states = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.db.sql<{ mode: string; tenant: string | null }[]>`
          select current_setting('plan_cache_mode') as mode, nullif(current_setting('app.tenant_id', true), '') as tenant`,
      ),
    );
    expect(states.map((r) => r[0])).toEqual(states.map(() => ({ mode: 'auto', tenant: null })));
  });
});
