import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { FakeClock } from '../../../test/clock';
import { contacts } from '../contacts/contacts.tables';
import { channelAccounts } from '../channels/channels.tables';
import { messages } from '../messaging/messaging.tables';
import { campaignRecipients } from './campaigns.tables';

/**
 * The campaign's outcomes over time (GET /campaigns/:id/timeline): a campaign over two Sandbox
 * numbers (one failing every send) paced a minute apart, driven by the test; the buckets must
 * add up to the ledger's counters and put each outcome in the minute the ledger and its message
 * say it happened.
 */
const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 5_000);
const clock = new FakeClock(start);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

let seq = 0;
const newPhone = () => `+54911${String(60_000_000 + Math.floor(Math.random() * 30_000_000) + seq++).slice(0, 8)}`;

async function person(client: TestClient, tenantId: string) {
  const phone = newPhone();
  const created = await client.post('/api/v1/contacts', { firstName: 'Ana', company: 'Acme', phone });
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;
  expect((await client.post(`/api/v1/contacts/${id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' })).status).toBeLessThan(300);
  expect((await client.post(`/api/v1/validation-queue/${id}/approve`, {})).status).toBeLessThan(300);
  await t.db.withTenant(tenantId, (tx) => tx.update(contacts).set({ scoreContactability: 90 }).where(and(eq(contacts.tenantId, tenantId), inArray(contacts.id, [id]))));
  return { id, phone };
}

async function sandbox(client: TestClient, tenantId: string, settings?: Record<string, unknown>) {
  const res = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
  expect(res.status, res.text).toBe(201);
  if (settings)
    await t.db.withTenant(tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify(settings)}::jsonb` })
        .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, res.body.id))),
    );
  return res.body.id as string;
}

async function sandboxReports(tenantId: string) {
  const jobs = await t.runtime.deps.database.sql<{ id: string; data: { tenantId: string; payload: unknown } }[]>`
    select id, data from pgboss.job where name = 'channels.sandbox-report' and data->>'tenantId' = ${tenantId} and state = 'created'`;
  const { sandbox, inbound } = t.runtime.modules.channels;
  for (const job of jobs) {
    await sandbox.reportJob.run(job.data.payload as never, { tenantId } as never);
    await t.runtime.deps.database.sql`update pgboss.job set state = 'completed' where id = ${job.id}`;
  }
  await inbound.drain(tenantId);
}

const minute = (d: Date | null | undefined) => (d ? new Date(Math.floor(d.getTime() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z') : null);
const engine = () => t.runtime.modules.campaigns.engine;
type Point = { at: string; queued: number; sent: number; delivered: number; read: number; replied: number; failed: number };
const SERIES = ['queued', 'sent', 'delivered', 'read', 'replied', 'failed'] as const;

describe('campaign timeline', () => {
  it('buckets each outcome in its minute, adds up to the ledger counters, and is the tenant’s own', async () => {
    const { client, user } = await buildSignedInUser(t);
    const good = await sandbox(client, user.tenantId);
    const bad = await sandbox(client, user.tenantId, { failRate: 1, failCodes: ['131026'] });
    const templateId = (await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}' })).body.id as string;
    const people = [];
    for (let i = 0; i < 5; i++) people.push(await person(client, user.tenantId));
    const created = await client.post('/api/v1/campaigns', {
      name: 'Over time',
      templateId,
      channelIds: [good, bad],
      audience: { contactIds: people.map((p) => p.id) },
      minScore: 50,
      pacing: { mode: 'fixed', delaySeconds: 60 },
      guardRails: { firstN: 100, maxFailureRate: 1, maxOptOutRate: 1 },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;

    const empty = await client.get(`/api/v1/campaigns/${id}/timeline`);
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toEqual({ bucket: 'minute', points: [] });

    expect((await client.post(`/api/v1/campaigns/${id}/launch`)).body.status).toBe('running');
    // Three minutes of sends: each run queues what is due, the outbound sends it, the Sandbox reports.
    const sentIds = new Set<string>();
    for (let m = 0; m < 3; m++) {
      await engine().run(user.tenantId, id);
      const rows = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, id))));
      for (const r of rows) if (r.messageId && !sentIds.has(r.messageId)) {
        sentIds.add(r.messageId);
        await t.runtime.modules.messaging.outbound.send(user.tenantId, r.messageId);
      }
      clock.advance(20_000);
      await sandboxReports(user.tenantId);
      clock.advance(40_000);
    }
    const replier = people.find(() => true)!;
    const ledgerNow = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, id))));
    const goodRow = ledgerNow.find((r) => r.channelId === good && r.status === 'read');
    expect(goodRow, JSON.stringify(ledgerNow)).toBeDefined();
    const replyFrom = people.find((p) => p.id === goodRow!.contactId) ?? replier;
    expect((await client.post(`/api/v1/channels/${good}/sandbox/inbound`, { from: replyFrom.phone, text: 'Me interesa' })).status).toBe(202);
    await t.runtime.modules.channels.inbound.drain(user.tenantId);

    const campaign = (await client.get(`/api/v1/campaigns/${id}`)).body;
    const s = campaign.stats;
    expect(s).toMatchObject({ total: 5, replied: 1 });
    expect(s.failed).toBeGreaterThan(0);
    expect(s.read).toBeGreaterThan(0);

    const res = await client.get(`/api/v1/campaigns/${id}/timeline?bucket=minute`);
    expect(res.status, res.text).toBe(200);
    const points = res.body.points as Point[];
    // Each series adds up to the ledger's funnel counters.
    const sum = (k: (typeof SERIES)[number]) => points.reduce((a, p) => a + p[k], 0);
    expect(Object.fromEntries(SERIES.map((k) => [k, sum(k)]))).toEqual({
      queued: s.total - s.pending - s.skipped,
      sent: s.sent,
      delivered: s.delivered,
      read: s.read,
      replied: s.replied,
      failed: s.failed,
    });
    expect(points.length).toBeGreaterThanOrEqual(3);

    // Each outcome in the minute the ledger and its message say, computed here from the rows.
    const rows = await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .select({ r: campaignRecipients, m: messages })
        .from(campaignRecipients)
        .leftJoin(messages, and(eq(messages.tenantId, campaignRecipients.tenantId), eq(messages.id, campaignRecipients.messageId)))
        .where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, id))),
    );
    const expected = new Map<string, Point>();
    const add = (at: string | null, k: (typeof SERIES)[number]) => {
      if (!at) throw new Error(`no time for ${k}`);
      const p = expected.get(at) ?? { at, queued: 0, sent: 0, delivered: 0, read: 0, replied: 0, failed: 0 };
      p[k]++;
      expected.set(at, p);
    };
    for (const { r, m } of rows) {
      if (r.status === 'pending' || r.status === 'skipped') continue;
      add(minute(r.queuedAt), 'queued');
      if (r.status === 'failed') add(minute(m?.failedAt), 'failed');
      if (['sent', 'delivered', 'read', 'replied'].includes(r.status)) add(minute(m?.sentAt), 'sent');
      if (['delivered', 'read', 'replied'].includes(r.status)) add(minute(m?.deliveredAt), 'delivered');
      if (['read', 'replied'].includes(r.status)) add(minute(m?.readAt), 'read');
      if (r.status === 'replied') add(minute(r.repliedAt), 'replied');
    }
    expect(points).toEqual([...expected.values()].sort((a, b) => a.at.localeCompare(b.at)));
    // The sends were paced a minute apart: queued in three different minutes, from the launch on.
    expect(points.filter((p) => p.queued > 0).map((p) => p.at)).toEqual([0, 1, 2].map((i) => minute(new Date(start.getTime() + i * 60_000))));

    // A 131049 cool-down sends a recipient back to pending (as the engine writes it): its queued,
    // sent, delivered and read are taken back from the minutes they were counted in.
    const cooled = rows.find(({ r }) => r.status === 'read')!.r;
    await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .update(campaignRecipients)
        .set({ status: 'pending', messageId: null, errorCode: '131049', dueAt: new Date(clock.now().getTime() + 86_400_000) })
        .where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, id), eq(campaignRecipients.contactId, cooled.contactId))),
    );
    const after = ((await client.get(`/api/v1/campaigns/${id}/timeline`)).body.points as Point[]).reduce(
      (a, p) => Object.fromEntries(SERIES.map((k) => [k, a[k]! + p[k]])) as Record<(typeof SERIES)[number], number>,
      Object.fromEntries(SERIES.map((k) => [k, 0])) as Record<(typeof SERIES)[number], number>,
    );
    const s2 = (await client.get(`/api/v1/campaigns/${id}`)).body.stats;
    expect(after).toEqual({ queued: s2.total - s2.pending - s2.skipped, sent: s2.sent, delivered: s2.delivered, read: s2.read, replied: s2.replied, failed: s2.failed });
    expect(after.read).toBe(s.read - 1);

    const hourly = (await client.get(`/api/v1/campaigns/${id}/timeline?bucket=hour`)).body as { bucket: string; points: Point[] };
    expect(hourly.bucket).toBe('hour');
    expect(hourly.points.reduce((a, p) => a + p.sent, 0)).toBe(s2.sent);
    expect((await client.get(`/api/v1/campaigns/${id}/timeline?bucket=week`)).status).toBe(400);

    // Another workspace sees neither the campaign nor its counts.
    const other = await buildSignedInUser(t);
    const foreign = await other.client.get(`/api/v1/campaigns/${id}/timeline`);
    expect({ status: foreign.status, code: foreign.body?.error?.code }).toEqual({ status: 404, code: 'not_found' });
    const own = await other.client.post('/api/v1/campaigns', {
      name: 'Mine',
      templateId: (await other.client.post('/api/v1/templates', { name: 'x', body: 'x' })).body.id,
      channelIds: [await sandbox(other.client, other.user.tenantId)],
      audience: { contactIds: [(await person(other.client, other.user.tenantId)).id] },
    });
    expect((await other.client.get(`/api/v1/campaigns/${own.body.id}/timeline`)).body.points).toEqual([]);
  });
});
