import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { messages } from '../messaging/messaging.tables';
import { inboundEvents } from './channels.tables';
import { signMetaBody } from './whatsapp-cloud/signature';

/**
 * The inbound drain: webhooks schedule one drain per tenant (not a job each), the drain processes
 * them in batches, a failing event is retried with backoff and dead-lettered at the fifth failure
 * without holding up the others, and a working process handles a webhook at once.
 */
const APP_SECRET = 'drain-app-secret';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  // A listener that fails on one text: the stand-in for a bug or an outage while processing.
  t.runtime.deps.events.on('channels.inbound', async (_tx, e) => {
    if ((e.items as { text?: string }[]).some((i) => i.text === 'boom')) throw new Error('listener failed on purpose');
  });
});
afterAll(async () => {
  await t?.close();
});

async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Drain',
    config: { phoneNumberId: '106540352242922', businessAccountId: '102290129340398', accessToken: 'drain-token', appSecret: APP_SECRET, verifyToken: 'verify-me-please' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

const body = (id: string, text: string, from = '5491145678000') =>
  Buffer.from(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: '106540352242922' }, messages: [{ from, id, timestamp: '1767225600', type: 'text', text: { body: text } }] } }] }],
    }),
  );

async function post(app: TestApp, channelId: string, raw: Buffer) {
  const res = await app.client().request('POST', `/webhooks/whatsapp/${channelId}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
  expect(res.status, res.text).toBe(200);
}

const events = (app: TestApp, tenantId: string) => app.db.withTenant(tenantId, (tx) => tx.select().from(inboundEvents).where(eq(inboundEvents.tenantId, tenantId)));
const drainJobs = async (app: TestApp, tenantId: string) =>
  (await app.runtime.deps.database.sql<{ state: string }[]>`select state from pgboss.job where name = 'channels.drain-inbound' and singleton_key = ${tenantId}`).map((r) => r.state);

describe('inbound drain', () => {
  it('schedules one drain per tenant however many webhooks arrive, and processes them all in batches', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    for (let i = 0; i < 230; i++) await post(t, channel.id, body(`wamid.drain.${i}`, `mensaje ${i}`, `549114567${String(1000 + (i % 7))}`));
    expect(await drainJobs(t, user.tenantId)).toEqual(['created']);
    // However long a loaded machine takes: one call drains everything (the 20 s budget is for jobs).
    const result = await t.runtime.modules.channels.inbound.drain(user.tenantId, { budgetMs: 600_000 });
    expect(result).toEqual({ processed: 230, pending: 0 });
    const stored = await events(t, user.tenantId);
    expect(stored.filter((e) => e.status === 'processed')).toHaveLength(230);
    const [count] = await t.db.withTenant(user.tenantId, (tx) => tx.select({ n: sql<number>`count(*)::int` }).from(messages).where(eq(messages.tenantId, user.tenantId)));
    expect(count!.n).toBe(230);
  });

  it('publishes each message once, batch after batch in commit order, all of it before the drain returns', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    // More than one batch (500): stored concurrently, as group commits, without HTTP.
    const inbound = t.runtime.modules.channels.inbound;
    for (let chunk = 0; chunk < 13; chunk++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const raw = body(`wamid.order.${chunk * 50 + i}`, `orden ${chunk * 50 + i}`, `549114568${String(1000 + i)}`);
          return inbound.receiveWhatsApp({ channelId: channel.id, rawBody: raw, headers: { 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
        }),
      );
    }
    const created: { id: string; body: string }[] = [];
    const off = t.runtime.deps.bus.subscribe((e) => {
      if (e.tenantId === user.tenantId && e.type === 'message.created') created.push(e.data as { id: string; body: string });
    });
    try {
      const result = await inbound.drain(user.tenantId, { budgetMs: 600_000 });
      expect(result).toEqual({ processed: 650, pending: 0 });
      // Published by the time the drain returns (on PostgreSQL, heard back through LISTEN a moment later).
      await expect.poll(() => created.length, { timeout: 5000, interval: 10 }).toBe(650);
      expect(new Set(created.map((m) => m.id)).size).toBe(650);
      // The first batch holds the first 500 stored (ten sequential chunks); none of the second
      // batch's messages is announced before all of the first batch's.
      const order = created.map((m) => Number(m.body.replace('orden ', '')));
      expect(order.slice(0, 500).every((n) => n < 500)).toBe(true);
      expect(order.slice(500).every((n) => n >= 500)).toBe(true);
    } finally {
      off();
    }
  });

  it('retries a failing event with backoff, dead-letters it at the fifth failure, and lets the others through', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    await post(t, channel.id, body('wamid.ok1', 'antes'));
    await post(t, channel.id, body('wamid.bad', 'boom'));
    await post(t, channel.id, body('wamid.ok2', 'después'));
    const first = await t.runtime.modules.channels.inbound.drain(user.tenantId);
    expect(first.pending).toBe(1);
    const byText = async () => Object.fromEntries((await events(t, user.tenantId)).map((e) => [JSON.parse(e.body.toString()).entry[0].changes[0].value.messages[0].text.body, e]));
    let rows = await byText();
    expect(rows.antes!.status).toBe('processed');
    expect(rows['después']!.status).toBe('processed');
    expect(rows.boom).toMatchObject({ status: 'pending', attempts: 1, error: 'listener failed on purpose' });
    // A retry is scheduled for later, not run in a tight loop.
    expect(await drainJobs(t, user.tenantId)).toContain('created');
    expect((await t.runtime.modules.channels.inbound.drain(user.tenantId)).processed).toBe(0);
    for (let attempt = 2; attempt <= 5; attempt++) {
      // Time passes: the backoff is over.
      await t.db.withTenant(user.tenantId, (tx) => tx.update(inboundEvents).set({ processedAt: sql`now() - interval '1 hour'` }).where(and(eq(inboundEvents.tenantId, user.tenantId), eq(inboundEvents.id, rows.boom!.id))));
      await t.runtime.modules.channels.inbound.drain(user.tenantId);
      rows = await byText();
      expect(rows.boom!.attempts).toBe(attempt);
    }
    expect(rows.boom!.status).toBe('dead');
    const problems = await client.get('/api/v1/channels/inbound-problems');
    expect(problems.body.items.map((p: { id: string; error: string }) => [p.id, p.error])).toEqual([[rows.boom!.id, 'listener failed on purpose']]);
  });

  it('wakes a lingering drain at once when this process stores a webhook, and stops lingering when told to', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const stop = new AbortController();
    // It lingers for a minute and looks for events (of other processes) only every 45 s.
    const draining = t.runtime.modules.channels.inbound.drain(user.tenantId, { lingerMs: 60_000, pollMs: 45_000, signal: stop.signal });
    // Its first look has found nothing (it takes milliseconds; a loaded machine gets a second).
    await new Promise((r) => setTimeout(r, 1_000));
    const stored = async () => (await t.db.withTenant(user.tenantId, (tx) => tx.select({ id: messages.id }).from(messages).where(eq(messages.tenantId, user.tenantId)))).length;
    expect(await stored()).toBe(0);
    const posted = Date.now();
    await post(t, channel.id, body('wamid.wake.1', 'despierta'));
    while ((await stored()) === 0 && Date.now() - posted < 40_000) await new Promise((r) => setTimeout(r, 20));
    // Processed by the lingering drain, long before its next look.
    expect(await stored()).toBe(1);
    expect(Date.now() - posted).toBeLessThan(30_000);
    const stopping = Date.now();
    stop.abort();
    expect((await draining).processed).toBe(1);
    expect(Date.now() - stopping).toBeLessThan(30_000);
  });
});

describe('inbound drain jobs of several tenants', () => {
  it("ends a tenant's drain job after its batch when another tenant's webhook is stored here (one drain job runs at a time)", async () => {
    const a = await buildSignedInUser(t);
    const b = await buildSignedInUser(t);
    const channelA = await cloudChannel(a.client);
    const channelB = await cloudChannel(b.client);
    await post(t, channelA.id, body('wamid.turn.a1', 'primero de A'));
    // As its job would run it, handing over; it would linger a minute, looking every 45 s.
    const started = Date.now();
    const draining = t.runtime.modules.channels.inbound.drain(a.user.tenantId, { lingerMs: 60_000, pollMs: 45_000, handOver: true });
    await new Promise((r) => setTimeout(r, 1_000));
    await post(t, channelB.id, body('wamid.turn.b1', 'de B'));
    const result = await draining;
    expect(result.processed).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    // A drain called without handing over (tests, the CLI) is not cut short by another tenant.
    const direct = t.runtime.modules.channels.inbound.drain(b.user.tenantId, { lingerMs: 3_000, pollMs: 100 });
    await post(t, channelA.id, body('wamid.turn.a2', 'segundo de A'));
    const begun = Date.now();
    expect((await direct).processed).toBe(1);
    expect(Date.now() - begun).toBeGreaterThanOrEqual(2_000);
  });
});

describe('inbound drain in a working process', () => {
  let w: TestApp;
  beforeAll(async () => {
    w = await startTestApp({ work: true });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('turns a webhook into a message at once, without waiting for a poll', async () => {
    const { client, user } = await buildSignedInUser(w);
    const channel = await cloudChannel(client);
    const started = Date.now();
    await post(w, channel.id, body('wamid.live', 'en vivo'));
    await expect
      .poll(async () => (await w.db.withTenant(user.tenantId, (tx) => tx.select().from(messages).where(eq(messages.tenantId, user.tenantId)))).map((m) => m.body), { timeout: 5000, interval: 20 })
      .toEqual(['en vivo']);
    w.logs.push(`drain latency ${Date.now() - started} ms`);
  });
});
