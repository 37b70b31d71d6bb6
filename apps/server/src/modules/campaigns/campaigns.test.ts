import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { FakeClock } from '../../../test/clock';
import { contacts } from '../contacts/contacts.tables';
import { channelAccounts } from '../channels/channels.tables';
import { auditEvents } from '../audit/audit.tables';
import { campaignRecipients } from './campaigns.tables';

/**
 * Campaigns end to end over the Sandbox channel, without workers: the test drives the engine's
 * runs, the outbound sends and the Sandbox's reports itself, and looks at the ledger and the API.
 */
const clock = new FakeClock(new Date());
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

let phoneSeq = 0;
const newPhone = () => `+54911${String(50_000_000 + Math.floor(Math.random() * 40_000_000) + phoneSeq++).slice(0, 8)}`;

type Person = { id: string; phone: string | null };

/** A contact who passes the gate unless told otherwise: consent, approved, scored 90. */
async function person(client: TestClient, options: { firstName?: string; phone?: string | null; consent?: 'opted_in' | 'opted_out' | null; validate?: boolean } = {}): Promise<Person> {
  const phone = options.phone === undefined ? newPhone() : options.phone;
  const created = await client.post('/api/v1/contacts', { firstName: options.firstName ?? 'Ana', company: 'Acme', ...(phone ? { phone } : {}) });
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;
  if (options.consent !== null) {
    const consent = await client.post(`/api/v1/contacts/${id}/consent`, { channel: 'any', status: options.consent ?? 'opted_in', source: 'form' });
    expect(consent.status, consent.text).toBeLessThan(300);
  }
  if (options.validate !== false) expect((await client.post(`/api/v1/validation-queue/${id}/approve`, {})).status).toBeLessThan(300);
  return { id, phone };
}

/** Scores are the scoring module's business; the tests pin them so the threshold is what is tested. */
const setScore = (tenantId: string, ids: string[], score: number) =>
  t.db.withTenant(tenantId, (tx) => tx.update(contacts).set({ scoreContactability: score }).where(and(eq(contacts.tenantId, tenantId), inArray(contacts.id, ids))));

async function sandbox(client: TestClient, options: { tenantId?: string; settings?: Record<string, unknown> } = {}) {
  const res = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
  expect(res.status, res.text).toBe(201);
  if (options.tenantId && options.settings) {
    await t.db.withTenant(options.tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify(options.settings)}::jsonb` })
        .where(and(eq(channelAccounts.tenantId, options.tenantId!), eq(channelAccounts.id, res.body.id))),
    );
  }
  return res.body.id as string;
}

async function template(client: TestClient, body = 'Hola {{firstName|amigo}} 👋, ¿seguimos con {{company}}?') {
  const res = await client.post('/api/v1/templates', { name: 'Primer contacto', body });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const ledger = (tenantId: string, campaignId: string) =>
  t.db.withTenant(tenantId, (tx) => tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId))));

const engine = () => t.runtime.modules.campaigns.engine;

/** Runs what the Sandbox scheduled (delivered, read, replies, failures) and processes it as webhooks. */
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

describe('templates', () => {
  it('stores a template, counts its length in graphemes and previews it for a contact', async () => {
    const { client } = await buildSignedInUser(t);
    const ana = await person(client, { firstName: 'مريم' });
    const res = await client.post('/api/v1/templates', {
      name: 'Promo',
      body: 'Hola {{firstName|amigo}} 👨‍👩‍👧 de {{company}} {{industry|tu rubro}}',
      whatsappTemplate: { name: 'promo_ar', language: 'es_AR', parameters: ['{{firstName|cliente}}'] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.variables).toEqual(['firstName', 'company', 'industry']);
    expect(res.body.length.graphemes).toBeLessThan(res.body.length.codeUnits);
    const preview = await client.post(`/api/v1/templates/${res.body.id}/preview`, { contactId: ana.id });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ body: 'Hola مريم 👨‍👩‍👧 de Acme tu rubro', whatsappTemplate: { name: 'promo_ar', language: 'es_AR', parameters: ['مريم'] }, missing: [] });

    const patched = await client.patch(`/api/v1/templates/${res.body.id}`, { body: 'Chau {{firstName}}' });
    expect(patched.body).toMatchObject({ body: 'Chau {{firstName}}', variables: ['firstName', 'firstName'].slice(0, 1) });
    expect((await client.get('/api/v1/templates')).body.items.map((i: { id: string }) => i.id)).toContain(res.body.id);
    // Media must be a file of this workspace.
    const media = await client.post('/api/v1/templates', { name: 'Con foto', body: 'x', media: [{ blobId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }] });
    expect(media.status).toBe(400);
    expect((await client.delete(`/api/v1/templates/${res.body.id}`)).status).toBe(204);
    expect((await client.get(`/api/v1/templates/${res.body.id}`)).status).toBe(404);
  });
});

describe('campaigns', () => {
  it('plans, launches and runs a campaign over the Sandbox: the run skips exactly what the plan said, the rest are sent, delivered, read and replied', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client);
    const templateId = await template(client);
    const eligible = await person(client, { firstName: 'Ana' });
    const eligible2 = await person(client, { firstName: '' });
    const noConsent = await person(client, { consent: null });
    const optedOut = await person(client, { consent: 'opted_out' });
    const blacklisted = await person(client);
    expect((await client.post('/api/v1/blacklist', { phone: blacklisted.phone, reason: 'pidió no recibir' })).status).toBeLessThan(300);
    const noPhone = await person(client, { phone: null });
    const unvalidated = await person(client, { validate: false });
    const lowScore = await person(client);
    const recentlyMessaged = await person(client);
    const everyone = [eligible, eligible2, noConsent, optedOut, blacklisted, noPhone, unvalidated, lowScore, recentlyMessaged];
    await setScore(user.tenantId, everyone.map((p) => p.id), 90);
    await setScore(user.tenantId, [lowScore.id], 10);

    // Another campaign reached one of them yesterday.
    const earlier = await client.post('/api/v1/campaigns', { name: 'Anterior', templateId, channelIds: [channelId], audience: { contactIds: [recentlyMessaged.id] }, minScore: 50 });
    expect(earlier.status, earlier.text).toBe(201);
    expect((await client.post(`/api/v1/campaigns/${earlier.body.id}/launch`)).body.status).toBe('running');
    await engine().run(user.tenantId, earlier.body.id);
    clock.advance(24 * 3600_000);

    const created = await client.post('/api/v1/campaigns', {
      name: 'Noviembre',
      templateId,
      channelIds: [channelId],
      audience: { contactIds: everyone.map((p) => p.id) },
      requireValidated: true,
      minScore: 50,
      frequencyCapDays: 7,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', minScore: 50, stats: { total: 0 } });
    const id = created.body.id as string;

    const plan = await client.post(`/api/v1/campaigns/${id}/plan`);
    expect(plan.status, plan.text).toBe(200);
    const expectedSkips = { no_consent: 1, opted_out: 1, blacklisted: 1, invalid_phone: 1, not_validated: 1, below_threshold: 1, frequency_cap: 1 };
    expect(plan.body).toMatchObject({ eligible: 2, skipped: 7, skippedByReason: expectedSkips });
    expect(plan.body.eta).not.toBeNull();

    const launched = await client.post(`/api/v1/campaigns/${id}/launch`);
    expect(launched.body.status).toBe('running');
    const run = await engine().run(user.tenantId, id);
    // Two messages are still on their way: the campaign runs until they are acknowledged.
    expect(run).toMatchObject({ state: 'running', claimed: 9 });
    const afterRun = (await client.get(`/api/v1/campaigns/${id}`)).body;
    expect(afterRun).toMatchObject({ status: 'running', stats: { total: 9, queued: 2, skipped: 7, skippedByReason: plan.body.skippedByReason } });

    const rows = await ledger(user.tenantId, id);
    const sent = rows.filter((r) => r.messageId);
    expect(sent.map((r) => r.contactId).sort()).toEqual([eligible.id, eligible2.id].sort());
    for (const r of sent) expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, r.messageId!)).toMatchObject({ outcome: 'sent' });
    expect((await client.get(`/api/v1/campaigns/${id}`)).body.stats).toMatchObject({ queued: 0, sent: 2, delivered: 0 });
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'completed', claimed: 0 });

    // The rendered text, fallback and emoji included, is what went out.
    const thread = await client.get(`/api/v1/conversations?contactId=${eligible2.id}`);
    const messages = await client.get(`/api/v1/conversations/${thread.body.items[0].id}/messages`);
    expect(messages.body.items[0]).toMatchObject({ body: 'Hola amigo 👋, ¿seguimos con Acme?', source: 'campaign', status: 'sent' });

    await sandboxReports(user.tenantId);
    expect((await client.get(`/api/v1/campaigns/${id}`)).body.stats).toMatchObject({ sent: 2, delivered: 2, read: 2, replied: 0 });

    const reply = await client.post(`/api/v1/channels/${channelId}/sandbox/inbound`, { from: eligible.phone, text: 'Sí, me interesa' });
    expect(reply.status, reply.text).toBe(202);
    await t.runtime.modules.channels.inbound.drain(user.tenantId);
    expect((await client.get(`/api/v1/campaigns/${id}`)).body.stats).toMatchObject({ sent: 2, delivered: 2, read: 2, replied: 1 });

    const page1 = await client.get(`/api/v1/campaigns/${id}/recipients?limit=5`);
    expect(page1.body.items).toHaveLength(5);
    const page2 = await client.get(`/api/v1/campaigns/${id}/recipients?limit=5&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(4);
    expect(page2.body.nextCursor).toBeNull();
    const byContact = new Map([...page1.body.items, ...page2.body.items].map((r: { contactId: string }) => [r.contactId, r]));
    expect(byContact.get(optedOut.id)).toMatchObject({ status: 'skipped', skipReason: 'opted_out', messageId: null });
    expect(byContact.get(eligible.id)).toMatchObject({ status: 'replied', skipReason: null, contactName: 'Ana', phone: eligible.phone });

    const csv = await client.get(`/api/v1/campaigns/${id}/recipients/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.trim().split('\n')).toHaveLength(10);
    expect(csv.text.split('\n')[0]).toBe('contactId,name,phone,status,skipReason,messageId,channelId,errorCode,queuedAt');
    // Numbers start with "+": kept as text, never read as a formula by a spreadsheet.
    expect(csv.text).toContain(`${lowScore.id},Ana,'${lowScore.phone},skipped,below_threshold`);
  });

  it('stops the next send to someone who opts out mid-campaign', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client);
    const templateId = await template(client);
    const people = [await person(client), await person(client)];
    await setScore(user.tenantId, people.map((p) => p.id), 90);
    const created = await client.post('/api/v1/campaigns', { name: 'Pausado', templateId, channelIds: [channelId], audience: { contactIds: people.map((p) => p.id) }, pacing: { mode: 'fixed', delaySeconds: 60 } });
    const id = created.body.id as string;
    await client.post(`/api/v1/campaigns/${id}/launch`);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'running', claimed: 1 });
    const [first, second] = (await ledger(user.tenantId, id)).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    expect(first!.status).toBe('queued');
    expect(second!.status).toBe('pending');
    // The second person writes STOP before their turn comes.
    await client.post(`/api/v1/channels/${channelId}/sandbox/inbound`, { from: people.find((p) => p.id === second!.contactId)!.phone, text: 'STOP' });
    await t.runtime.modules.channels.inbound.drain(user.tenantId);
    clock.advance(61_000);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 1 });
    const after = (await ledger(user.tenantId, id)).find((r) => r.contactId === second!.contactId)!;
    expect(after).toMatchObject({ status: 'skipped', skipReason: 'opted_out', messageId: null });
  });

  it('two workers claiming one campaign at once queue each recipient once, and a claim after the last finds nothing', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client);
    const templateId = await template(client);
    const people = await Promise.all(Array.from({ length: 10 }, () => person(client)));
    await setScore(user.tenantId, people.map((p) => p.id), 90);
    const id = (await client.post('/api/v1/campaigns', { name: 'Dos workers', templateId, channelIds: [channelId], audience: { contactIds: people.map((p) => p.id) }, pacing: { mode: 'fixed', delaySeconds: 0 } })).body.id as string;
    await client.post(`/api/v1/campaigns/${id}/launch`);
    expect(await engine().materialize(user.tenantId, id)).toBe(10);
    // Each worker walks from its own cursor, 3 rows a claim (FOR UPDATE SKIP LOCKED: on PostgreSQL they really overlap).
    const worker = async () => {
      let claimed = 0;
      let after: { dueAt: string; contactId: string } | null = null;
      for (;;) {
        const batch = await engine().claimBatch(user.tenantId, id, { limit: 3, after });
        claimed += batch.claimed;
        if (batch.claimed === 0 && !after) return claimed;
        after = batch.claimed ? (batch.last ?? null) : null;
      }
    };
    const [a, b] = await Promise.all([worker(), worker()]);
    expect(a + b).toBe(10);
    const rows = await ledger(user.tenantId, id);
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'queued'));
    expect(new Set(rows.map((r) => r.messageId)).size).toBe(10);
    const [queued] = await t.db.withTenant(user.tenantId, (tx) => tx.execute<{ n: number }>(sql`select count(*)::int as n from messages where tenant_id = ${user.tenantId} and source = 'campaign'`));
    expect(queued!.n).toBe(10);
    expect((await engine().claimBatch(user.tenantId, id)).claimed).toBe(0);
  });

  it("announces a running campaign's counts at most every 2 s (the last run of a burst afterwards) and its completion at once", async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client);
    const templateId = await template(client);
    const people = [await person(client), await person(client), await person(client)];
    await setScore(user.tenantId, people.map((p) => p.id), 90);
    const id = (await client.post('/api/v1/campaigns', { name: 'Conteos', templateId, channelIds: [channelId], audience: { contactIds: people.map((p) => p.id) }, pacing: { mode: 'fixed', delaySeconds: 60 } })).body.id as string;
    await client.post(`/api/v1/campaigns/${id}/launch`);
    const counts: { status?: string; queued: number }[] = [];
    const off = t.runtime.deps.bus.subscribe((e) => {
      const data = e.data as { campaignId?: string; status?: string; stats?: { queued: number } };
      if (e.type === 'campaign.progress' && data.campaignId === id && data.stats) counts.push({ ...(data.status ? { status: data.status } : {}), queued: data.stats.queued });
    });
    try {
      expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 1 });
      // (On PostgreSQL the bus is LISTEN/NOTIFY: events arrive a moment after they are published.)
      await vi.waitFor(() => expect(counts).toEqual([{ status: 'running', queued: 1 }]), { timeout: 5_000, interval: 20 });
      clock.advance(60_000);
      // Within 2 s of the last count: none now, one when the wait is over, with what the ledger holds then.
      expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 1 });
      clock.advance(60_000);
      expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 1 });
      await vi.waitFor(() => expect(counts.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 50 });
      await new Promise((r) => setTimeout(r, 200));
      // Without the throttle: one count per run, { status: 'running', queued: 2 } and then 3.
      expect(counts).toEqual([{ status: 'running', queued: 1 }, { queued: 3 }]);
      for (const r of await ledger(user.tenantId, id)) await t.runtime.modules.messaging.outbound.send(user.tenantId, r.messageId!);
      expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'completed', claimed: 0 });
      await vi.waitFor(() => expect(counts[2]).toEqual({ status: 'completed', queued: 0 }), { timeout: 5_000, interval: 20 });
    } finally {
      off();
    }
  });

  it('claims nothing while paused, refuses invalid transitions, and goes on after resume', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client);
    const templateId = await template(client);
    const people = [await person(client), await person(client)];
    await setScore(user.tenantId, people.map((p) => p.id), 90);
    const id = (await client.post('/api/v1/campaigns', { name: 'Pausa', templateId, channelIds: [channelId], audience: { contactIds: people.map((p) => p.id) }, pacing: { mode: 'fixed', delaySeconds: 60 } })).body.id as string;
    expect((await client.post(`/api/v1/campaigns/${id}/pause`)).body.error.code).toBe('invalid_state');
    await client.post(`/api/v1/campaigns/${id}/launch`);
    const relaunch = await client.post(`/api/v1/campaigns/${id}/launch`);
    expect(relaunch.status).toBe(409);
    expect(relaunch.body.error.code).toBe('invalid_state');
    expect((await client.patch(`/api/v1/campaigns/${id}`, { name: 'otro' })).status).toBe(409);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 1 });
    expect((await client.post(`/api/v1/campaigns/${id}/pause`)).body.status).toBe('paused');
    clock.advance(120_000);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'paused', claimed: 0 });
    expect((await engine().claimBatch(user.tenantId, id)).claimed).toBe(0);
    expect((await ledger(user.tenantId, id)).filter((r) => r.status === 'pending')).toHaveLength(1);
    expect((await client.post(`/api/v1/campaigns/${id}/resume`)).body.status).toBe('running');
    expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 1 });
    for (const r of await ledger(user.tenantId, id)) await t.runtime.modules.messaging.outbound.send(user.tenantId, r.messageId!);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'completed', claimed: 0 });
    expect((await client.post(`/api/v1/campaigns/${id}/cancel`)).status).toBe(409);
    expect((await client.post(`/api/v1/campaigns/${id}/resume`)).status).toBe(409);
  });

  it('pauses the campaign and alerts when the provider reports 131048 (spam rate limit)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client, { tenantId: user.tenantId, settings: { failRate: 1, failCodes: ['131048'] } });
    const templateId = await template(client);
    const people = [await person(client), await person(client)];
    await setScore(user.tenantId, people.map((p) => p.id), 90);
    const id = (await client.post('/api/v1/campaigns', { name: 'Spam', templateId, channelIds: [channelId], audience: { contactIds: people.map((p) => p.id) }, pacing: { mode: 'fixed', delaySeconds: 60 } })).body.id as string;
    await client.post(`/api/v1/campaigns/${id}/launch`);
    await engine().run(user.tenantId, id);
    const [queued] = (await ledger(user.tenantId, id)).filter((r) => r.messageId);
    await t.runtime.modules.messaging.outbound.send(user.tenantId, queued!.messageId!);
    await sandboxReports(user.tenantId);
    const campaign = (await client.get(`/api/v1/campaigns/${id}`)).body;
    expect(campaign).toMatchObject({ status: 'paused', pausedReason: 'provider_error_131048', stats: { failed: 1, pending: 1 } });
    const audit = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, user.tenantId), eq(auditEvents.action, 'campaign.auto_paused'))));
    expect(audit).toHaveLength(1);
    clock.advance(120_000);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'paused', claimed: 0 });
  });
  it('cools a recipient down for a day on 131049 and tries once more after it', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await sandbox(client, { tenantId: user.tenantId, settings: { failRate: 1, failCodes: ['131049'] } });
    const templateId = await template(client);
    const ana = await person(client);
    await setScore(user.tenantId, [ana.id], 90);
    const id = (await client.post('/api/v1/campaigns', { name: 'Marketing', templateId, channelIds: [channelId], audience: { contactIds: [ana.id] } })).body.id as string;
    await client.post(`/api/v1/campaigns/${id}/launch`);
    await engine().run(user.tenantId, id);
    const [first] = await ledger(user.tenantId, id);
    await t.runtime.modules.messaging.outbound.send(user.tenantId, first!.messageId!);
    await sandboxReports(user.tenantId);
    const cooled = (await ledger(user.tenantId, id))[0]!;
    expect(cooled).toMatchObject({ status: 'pending', errorCode: '131049', messageId: null, attempts: 1 });
    expect(cooled.dueAt.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(24 * 3600_000 - 1000);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'running', claimed: 0 });
    clock.advance(24 * 3600_000 + 1000);
    // The failure lowered the contact's score (scoring listens for it); the retry is gated again.
    await setScore(user.tenantId, [ana.id], 90);
    expect(await engine().run(user.tenantId, id)).toMatchObject({ state: 'running', claimed: 1 });
    expect((await ledger(user.tenantId, id))[0]).toMatchObject({ status: 'queued', attempts: 2 });
  });

  it('pauses itself when too many of the first sends fail (guard rail)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channels = [
      await sandbox(client, { tenantId: user.tenantId, settings: { failRate: 1, failCodes: ['131026'] } }),
      await sandbox(client, { tenantId: user.tenantId, settings: { failRate: 1, failCodes: ['131026'] } }),
    ];
    const templateId = await template(client);
    const people = [await person(client), await person(client), await person(client)];
    await setScore(user.tenantId, people.map((p) => p.id), 90);
    const id = (
      await client.post('/api/v1/campaigns', {
        name: 'Guard rail',
        templateId,
        channelIds: channels,
        audience: { contactIds: people.map((p) => p.id) },
        pacing: { mode: 'fixed', delaySeconds: 60 },
        guardRails: { firstN: 2, maxFailureRate: 0.5, maxOptOutRate: 0.5 },
      })
    ).body.id as string;
    await client.post(`/api/v1/campaigns/${id}/launch`);
    // One due now on each number; the third a minute later.
    expect(await engine().run(user.tenantId, id)).toMatchObject({ claimed: 2 });
    for (const r of (await ledger(user.tenantId, id)).filter((r) => r.messageId)) await t.runtime.modules.messaging.outbound.send(user.tenantId, r.messageId!);
    await sandboxReports(user.tenantId);
    expect((await client.get(`/api/v1/campaigns/${id}`)).body).toMatchObject({ status: 'paused', pausedReason: 'failure_rate', stats: { failed: 2, pending: 1 } });
  });

  it('counts a reply for the campaign that wrote on that channel, not for every campaign that reached the person', async () => {
    const { client, user } = await buildSignedInUser(t);
    const templateId = await template(client);
    const ana = await person(client, { firstName: 'Ana' });
    await setScore(user.tenantId, [ana.id], 90);
    const campaignOn = async (name: string, channelId: string) => {
      const created = await client.post('/api/v1/campaigns', { name, templateId, channelIds: [channelId], audience: { contactIds: [ana.id] }, minScore: 50 });
      expect(created.status, created.text).toBe(201);
      expect((await client.post(`/api/v1/campaigns/${created.body.id}/launch`)).body.status).toBe('running');
      await engine().run(user.tenantId, created.body.id);
      for (const r of (await ledger(user.tenantId, created.body.id)).filter((r) => r.messageId)) {
        expect(await t.runtime.modules.messaging.outbound.send(user.tenantId, r.messageId!)).toMatchObject({ outcome: 'sent' });
      }
      return created.body.id as string;
    };
    const first = await sandbox(client);
    const second = await sandbox(client);
    const onFirst = await campaignOn('Por el primer número', first);
    const onSecond = await campaignOn('Por el segundo número', second);
    const reply = await client.post(`/api/v1/channels/${second}/sandbox/inbound`, { from: ana.phone, text: 'Hola, ¿de qué se trata?' });
    expect(reply.status, reply.text).toBe(202);
    await t.runtime.modules.channels.inbound.drain(user.tenantId);
    expect((await client.get(`/api/v1/campaigns/${onSecond}`)).body.stats).toMatchObject({ replied: 1 });
    expect((await client.get(`/api/v1/campaigns/${onFirst}`)).body.stats).toMatchObject({ replied: 0 });
  });
});

describe('the plan through a send window', () => {
  it('counts only the window’s open hours at the number’s pace: its end and its split over days', async () => {
    const saved = clock.now();
    // Friday 2026-11-27, 08:00 in Buenos Aires (the tenant's zone): the window opens at 09:00.
    clock.set('2026-11-27T11:00:00Z');
    try {
      const { client, user } = await buildSignedInUser(t);
      // One message a second (paced at 1/1.2 s) through one open minute a weekday: 50 a day.
      const channelId = await sandbox(client, { tenantId: user.tenantId, settings: { messagesPerSecond: 1 } });
      const templateId = await template(client);
      const contactIds = await buildGatePassingContacts(t, user.tenantId, { count: 70, numberPrefix: '+549113' });
      const created = await client.post('/api/v1/campaigns', { name: 'Ventana corta', templateId, channelIds: [channelId], audience: { contactIds }, minScore: 0, sendWindow: { days: [1, 2, 3, 4, 5], start: '09:00', end: '09:01' } });
      expect(created.status, created.text).toBe(201);
      const plan = await client.post(`/api/v1/campaigns/${created.body.id}/plan`);
      expect(plan.status, plan.text).toBe(200);
      expect(plan.body.eligible).toBe(70);
      // 50 on Friday, the weekend skipped, 20 on Monday.
      expect(plan.body.days).toEqual([
        { date: '2026-11-27', count: 50 },
        { date: '2026-11-30', count: 20 },
      ]);
      // The 70th: Monday's 20th, 19 × 1.2 s after 09:00 (12:00 UTC).
      expect(plan.body.eta).toBe(new Date(Date.parse('2026-11-30T12:00:00Z') + 19 * 1200).toISOString());

      // Days are the tenant's: a 21:00 window in Buenos Aires is 00:00 UTC of the next date, and still that day's.
      const evening = await client.post('/api/v1/campaigns', { name: 'Ventana de noche', templateId, channelIds: [channelId], audience: { contactIds }, minScore: 0, sendWindow: { days: [1, 2, 3, 4, 5], start: '21:00', end: '21:01' } });
      const nightPlan = await client.post(`/api/v1/campaigns/${evening.body.id}/plan`);
      expect(nightPlan.body.days).toEqual([
        { date: '2026-11-27', count: 50 },
        { date: '2026-11-30', count: 20 },
      ]);
    } finally {
      clock.set(saved);
    }
  });
});
