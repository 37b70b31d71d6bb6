import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { until } from '../../../test/until';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { channelAccounts } from '../channels/channels.tables';
import { ChannelSendError, pacingRateOf } from '../channels';
import { messages } from '../messaging/messaging.tables';
import { campaignRecipients, campaigns } from './campaigns.tables';

/**
 * Pause and cancel reach the messages a run already queued (decision 0052): a run queues only a
 * few seconds of its number's sends ahead of the outbound path, a pause holds what no drain has
 * taken yet (nothing more leaves after the in-flight second), a resume lets it go, once, and a
 * cancel withdraws it without telling scoring of a failure. Over the Sandbox, without workers: the
 * test drives the runs and the drains itself.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const AHEAD_SECONDS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const engine = () => t.runtime.modules.campaigns.engine;
const outbound = () => t.runtime.modules.messaging.outbound;

async function setRate(tenantId: string, channelId: string, messagesPerSecond: number) {
  await t.db.withTenant(tenantId, (tx) =>
    tx
      .update(channelAccounts)
      .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify({ messagesPerSecond })}::jsonb` })
      .where(and(eq(channelAccounts.tenantId, tenantId), eq(channelAccounts.id, channelId))),
  );
}

async function launched(client: TestClient, tenantId: string, options: { count: number; prefix: string; messagesPerSecond: number }) {
  const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
  expect(channel.status, channel.text).toBe(201);
  await setRate(tenantId, channel.body.id, options.messagesPerSecond);
  const contactIds = await buildGatePassingContacts(t, tenantId, { count: options.count, numberPrefix: options.prefix });
  const template = await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}' });
  expect(template.status, template.text).toBe(201);
  // No pacing of its own: every recipient is due at once, and only the number's rate paces the sends.
  const campaign = await client.post('/api/v1/campaigns', { name: 'Todos ya', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds }, minScore: 0 });
  expect(campaign.status, campaign.text).toBe(201);
  expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).status).toBe(200);
  return { channelId: channel.body.id as string, campaignId: campaign.body.id as string, contactIds };
}

const ledger = (tenantId: string, campaignId: string) =>
  t.db.withTenant(tenantId, (tx) => tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId))));
const messagesTo = (tenantId: string, contactIds: string[]) =>
  t.db.withTenant(tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, tenantId), inArray(messages.contactId, contactIds))));
const count = <T>(list: T[], pick: (x: T) => boolean) => list.filter(pick).length;

describe('pausing or cancelling a campaign whose messages are queued', () => {
  it('queues only a few seconds of the number’s sends; a pause holds the rest at once, a resume sends each recipient once', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { channelId, campaignId, contactIds } = await launched(client, user.tenantId, { count: 60, prefix: '+549114', messagesPerSecond: 5 });
    const ahead = Math.ceil(pacingRateOf('sandbox', { messagesPerSecond: 5 }) * AHEAD_SECONDS);

    // The run queues AHEAD_SECONDS of the number's paced sends, not the 60 that are due.
    await engine().run(user.tenantId, campaignId);
    let rows = await ledger(user.tenantId, campaignId);
    expect(count(rows, (r) => r.status === 'queued')).toBe(ahead);
    expect(count(rows, (r) => r.status === 'pending')).toBe(60 - ahead);
    // A second run finds the number's queue full and queues nothing more.
    expect(await engine().run(user.tenantId, campaignId)).toMatchObject({ state: 'running', claimed: 0 });

    // Sending at 5/s; paused a second in.
    const draining = outbound().drain(user.tenantId, { budgetMs: 4_000 });
    await sleep(1_200);
    const pause = await client.post(`/api/v1/campaigns/${campaignId}/pause`);
    expect(pause.status, pause.text).toBe(200);
    const pausedAt = Date.now();
    await draining;
    const sent = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.status === 'sent');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(ahead);
    // What a drain had taken before the pause goes out within the second (recorded up to half a
    // second later on a loaded machine); nothing after it.
    for (const m of sent) expect(m.sentAt!.getTime()).toBeLessThanOrEqual(pausedAt + 1_500);
    const held = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.status === 'queued');
    expect(held).toHaveLength(ahead - sent.length);
    for (const m of held) expect(m).toMatchObject({ errorCode: 'campaign_paused', attempts: 0 });
    // Neither a later drain nor a send of one of them by id takes a held message.
    await outbound().drain(user.tenantId, { budgetMs: 1_500 });
    expect(await outbound().send(user.tenantId, held[0]!.id)).toMatchObject({ outcome: 'not-claimed' });
    expect(await engine().run(user.tenantId, campaignId)).toMatchObject({ state: 'paused', claimed: 0 });
    expect(count(await messagesTo(user.tenantId, contactIds), (m) => m.status === 'sent')).toBe(sent.length);

    // Resumed (on a faster number, so the test is short): the held ones go, then everyone else, each once.
    await setRate(user.tenantId, channelId, 200);
    const resume = await client.post(`/api/v1/campaigns/${campaignId}/resume`);
    expect(resume.status, resume.text).toBe(200);
    const deadline = Date.now() + 30_000;
    for (;;) {
      await engine().run(user.tenantId, campaignId);
      await outbound().drain(user.tenantId, { budgetMs: 2_000 });
      rows = await ledger(user.tenantId, campaignId);
      if (rows.every((r) => r.status === 'sent') || Date.now() > deadline) break;
    }
    expect(count(rows, (r) => r.status === 'sent')).toBe(60);
    const all = await messagesTo(user.tenantId, contactIds);
    expect(all).toHaveLength(60);
    expect(new Set(all.map((m) => m.contactId)).size).toBe(60);
    expect(count(all, (m) => m.status === 'sent' && m.errorCode === null)).toBe(60);
  }, 60_000);

  it('withdraws on cancel what no drain has taken: never sent, recipients counted pending, no failure told to scoring', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, contactIds } = await launched(client, user.tenantId, { count: 30, prefix: '+549115', messagesPerSecond: 5 });
    const failures: string[] = [];
    t.runtime.deps.events.on('messages.delivery-failed', async (_tx, e) => {
      if (e.tenantId === user.tenantId) failures.push(e.contactId);
    });
    await engine().run(user.tenantId, campaignId);
    const queued = (await ledger(user.tenantId, campaignId)).filter((r) => r.status === 'queued');
    expect(queued.length).toBeGreaterThan(0);

    const cancel = await client.post(`/api/v1/campaigns/${campaignId}/cancel`);
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.body.stats).toMatchObject({ pending: 30, queued: 0, sent: 0, failed: 0 });
    const withdrawn = await messagesTo(user.tenantId, contactIds);
    expect(withdrawn).toHaveLength(queued.length);
    for (const m of withdrawn) expect(m).toMatchObject({ status: 'failed', errorCode: 'campaign_cancelled', attempts: 0, sentAt: null });
    for (const r of await ledger(user.tenantId, campaignId)) expect(r).toMatchObject({ status: 'pending', messageId: null });

    await outbound().drain(user.tenantId, { budgetMs: 1_000 });
    expect(await engine().run(user.tenantId, campaignId)).toMatchObject({ state: 'cancelled', claimed: 0 });
    expect(count(await messagesTo(user.tenantId, contactIds), (m) => m.status !== 'failed')).toBe(0);
    expect(failures).toEqual([]);
  });

  it('holds a message that was on its way when the pause came and comes back to the queue (a retry), and lets it go on resume', async () => {
    const { client, user } = await buildSignedInUser(t);
    // The Sandbox, except that while `blocked` is set a send waits for it and is then refused with a
    // retryable error (a 503): the message goes back to the queue after the pause.
    let blocked: Promise<void> | null = null;
    let unblock = () => {};
    const refused: string[] = [];
    const { channels, sandbox } = t.runtime.modules.channels;
    channels.registerAdapter('sandbox', ({ row }) => {
      const real = sandbox.adapterFor(row);
      return {
        ...real,
        async send(request) {
          if (!blocked) return real.send(request);
          await blocked;
          refused.push(request.messageId);
          throw new ChannelSendError({ message: 'Service Unavailable', code: 'http_503', retryable: true, retryAfterSeconds: 1 });
        },
      };
    });
    try {
      const { campaignId, contactIds } = await launched(client, user.tenantId, { count: 3, prefix: '+549116', messagesPerSecond: 5 });
      await engine().run(user.tenantId, campaignId);
      blocked = new Promise<void>((resolve) => (unblock = resolve));
      const draining = outbound().drain(user.tenantId, { budgetMs: 3_000 });
      let onItsWay: string[] = [];
      for (const until = Date.now() + 5_000; onItsWay.length === 0 && Date.now() < until; await sleep(20)) {
        onItsWay = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.status === 'sending').map((m) => m.id);
      }
      expect(onItsWay.length).toBeGreaterThan(0);
      expect((await client.post(`/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
      // Claimed by the drain before the pause: on their way (the rest were held by it).
      const going = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.status === 'sending' || m.status === 'sent').map((m) => m.id);
      blocked = null;
      unblock();
      await draining;
      // The refused one is back in the queue, held with its campaign; one claimed before the pause (waiting for its slot) may have gone.
      expect(refused.length).toBeGreaterThan(0);
      for (const m of (await messagesTo(user.tenantId, contactIds)).filter((x) => refused.includes(x.id))) expect(m).toMatchObject({ status: 'queued', errorCode: 'campaign_paused' });
      const sent = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.status === 'sent');
      for (const m of sent) expect(going).toContain(m.id);
      const sentBefore = sent.length;
      // Its retry time passes; still nothing goes while the campaign is paused.
      await sleep(1_200);
      await outbound().drain(user.tenantId, { budgetMs: 1_000 });
      expect(count(await messagesTo(user.tenantId, contactIds), (m) => m.status === 'sent')).toBe(sentBefore);

      expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
      await outbound().drain(user.tenantId, { budgetMs: 3_000 });
      const after = await messagesTo(user.tenantId, contactIds);
      expect(count(after, (m) => m.status === 'sent')).toBe(3);
      expect(after).toHaveLength(3);
    } finally {
      blocked = null;
      unblock();
      channels.registerAdapter('sandbox', ({ row }) => sandbox.adapterFor(row));
    }
  });

  it('plans and shows the end at the number’s pace when the campaign has no pacing of its own', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Lento', config: { messagesPerSecond: 2 } });
    expect(channel.status, channel.text).toBe(201);
    const contactIds = await buildGatePassingContacts(t, user.tenantId, { count: 20, numberPrefix: '+549117' });
    const template = await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}' });
    const campaign = await client.post('/api/v1/campaigns', { name: 'Sin pausa propia', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds }, minScore: 0 });
    expect(campaign.status, campaign.text).toBe(201);
    const interval = 1 / pacingRateOf('sandbox', { messagesPerSecond: 2 });
    const planned = Date.now();
    const plan = await client.post(`/api/v1/campaigns/${campaign.body.id}/plan`);
    expect(plan.status, plan.text).toBe(200);
    expect(plan.body.eligible).toBe(20);
    // The last of 20 goes 19 intervals after the first.
    const planEnd = new Date(plan.body.eta).getTime() - planned;
    expect(planEnd).toBeGreaterThanOrEqual(19 * interval * 1000 - 1_000);
    expect(planEnd).toBeLessThanOrEqual(19 * interval * 1000 + 2_000);
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).status).toBe(200);
    const announced: { eta?: string | null; pending: number; queued: number }[] = [];
    const off = t.runtime.deps.bus.subscribe((e) => {
      const data = e.data as { campaignId?: string; stats?: { eta?: string | null; pending: number; queued: number } };
      if (e.type === 'campaign.progress' && data.campaignId === campaign.body.id && data.stats) announced.push(data.stats);
    });
    const ran = Date.now();
    await engine().run(user.tenantId, campaign.body.id);
    // The live progress says the same end as the page (it would otherwise undo it until the next read).
    // (On PostgreSQL the event comes back through LISTEN/NOTIFY, after the run.)
    await until('the progress to be announced', () => announced.length > 0, { ms: 10_000 });
    off();
    const last = announced.at(-1)!;
    expect(new Date(last.eta!).getTime() - ran).toBeGreaterThanOrEqual((last.pending + last.queued) * interval * 1000 - 1_000);
    const shown = Date.now();
    const page = await client.get(`/api/v1/campaigns/${campaign.body.id}`);
    expect(page.body.stats).toMatchObject({ pending: 20 - page.body.stats.queued, sent: 0 });
    // All 20 are still waiting: the page's end is 20 sends at the number's pace from now.
    expect(new Date(page.body.stats.eta).getTime() - shown).toBeGreaterThanOrEqual(20 * interval * 1000 - 1_000);
  });

  it('judges the held messages again on resume: one who opted out meanwhile is skipped, a closed send window waits for its opening', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, contactIds } = await launched(client, user.tenantId, { count: 6, prefix: '+549118', messagesPerSecond: 1 });
    await engine().run(user.tenantId, campaignId);
    expect((await client.post(`/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    const held = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.errorCode === 'campaign_paused');
    expect(held.length).toBeGreaterThanOrEqual(3);
    // While it is paused, one of them opts out.
    const leaver = held[0]!.contactId;
    expect((await client.post(`/api/v1/contacts/${leaver}/consent`, { channel: 'any', status: 'opted_out', source: 'form' })).status).toBeLessThan(300);

    expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
    const after = await messagesTo(user.tenantId, contactIds);
    expect(after.find((m) => m.contactId === leaver)).toMatchObject({ status: 'failed', errorCode: 'campaign_gate', attempts: 0 });
    expect((await ledger(user.tenantId, campaignId)).find((r) => r.contactId === leaver)).toMatchObject({ status: 'skipped', skipReason: 'opted_out', messageId: null });
    for (const m of after.filter((x) => held.some((h) => h.id === x.id) && x.contactId !== leaver)) expect(m).toMatchObject({ status: 'queued', errorCode: null, nextAttemptAt: null });
    await outbound().drain(user.tenantId, { budgetMs: 1_000 });
    expect((await messagesTo(user.tenantId, [leaver])).every((m) => m.status !== 'sent')).toBe(true);

    // Paused again; meanwhile the campaign's send window closes (its hours are set to ones that are not now).
    expect((await client.post(`/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    const stillHeld = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.errorCode === 'campaign_paused');
    expect(stillHeld.length).toBeGreaterThan(0);
    const hour = new Date().getUTCHours();
    const window = { days: [1, 2, 3, 4, 5, 6, 7], start: `${String((hour + 6) % 24).padStart(2, '0')}:00`, end: `${String((hour + 7) % 24).padStart(2, '0')}:00` };
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ sendWindow: window }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, campaignId))));
    expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
    // Held, not released for later: at the opening they are judged again (decision 0054).
    for (const m of (await messagesTo(user.tenantId, contactIds)).filter((x) => stillHeld.some((h) => h.id === x.id))) expect(m).toMatchObject({ status: 'queued', errorCode: 'campaign_window' });
    const [job] = await t.db.sql<{ startAfter: Date; data: { payload: { campaignId: string } } }[]>`
      select start_after as "startAfter", data from pgboss.job where name = 'campaigns.release-at-window' and state = 'created' and singleton_key = ${campaignId}`;
    // Due when the window opens again, hours from now.
    expect(job?.data.payload.campaignId).toBe(campaignId);
    expect(new Date(job!.startAfter).getTime()).toBeGreaterThan(Date.now() + 5 * 60 * 60 * 1000);
    const sentBefore = count(await messagesTo(user.tenantId, contactIds), (m) => m.status === 'sent');
    await outbound().drain(user.tenantId, { budgetMs: 1_000 });
    expect(count(await messagesTo(user.tenantId, contactIds), (m) => m.status === 'sent')).toBe(sentBefore);

    // While they wait for the window, another one opts out; then the window opens (its hours become now's).
    const waiting = stillHeld.map((m) => m.contactId);
    const lateLeaver = waiting[0]!;
    expect((await client.post(`/api/v1/contacts/${lateLeaver}/consent`, { channel: 'any', status: 'opted_out', source: 'form' })).status).toBeLessThan(300);
    const open = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' };
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ sendWindow: open }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, campaignId))));
    expect(await engine().releaseAtWindow(user.tenantId, campaignId)).toEqual({ released: waiting.length - 1 });
    const atOpening = await messagesTo(user.tenantId, waiting);
    expect(atOpening.find((m) => m.contactId === lateLeaver)).toMatchObject({ status: 'failed', errorCode: 'campaign_gate', attempts: 0 });
    expect((await ledger(user.tenantId, campaignId)).find((r) => r.contactId === lateLeaver)).toMatchObject({ status: 'skipped', skipReason: 'opted_out' });
    for (const m of atOpening.filter((x) => x.contactId !== lateLeaver && stillHeld.some((h) => h.id === x.id))) expect(m).toMatchObject({ status: 'queued', errorCode: null, nextAttemptAt: null });
    await outbound().drain(user.tenantId, { budgetMs: 2_000 });
    const final = await messagesTo(user.tenantId, waiting);
    expect(count(final, (m) => m.contactId === lateLeaver && m.status === 'sent')).toBe(0);
    expect(count(final, (m) => m.status === 'sent')).toBe(waiting.length - 1);
  });

  it('lets nothing held for a send window go while its campaign is paused', async () => {
    const { client, user } = await buildSignedInUser(t);
    const { campaignId, contactIds } = await launched(client, user.tenantId, { count: 4, prefix: '+549117', messagesPerSecond: 1 });
    await engine().run(user.tenantId, campaignId);
    expect((await client.post(`/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    const hour = new Date().getUTCHours();
    const closed = { days: [1, 2, 3, 4, 5, 6, 7], start: `${String((hour + 6) % 24).padStart(2, '0')}:00`, end: `${String((hour + 7) % 24).padStart(2, '0')}:00` };
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ sendWindow: closed }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, campaignId))));
    expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
    const held = (await messagesTo(user.tenantId, contactIds)).filter((m) => m.errorCode === 'campaign_window');
    expect(held.length).toBeGreaterThan(0);
    // Paused again before the opening: the job finds it paused and lets nothing go; the messages are the pause's again.
    expect((await client.post(`/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ sendWindow: null }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, campaignId))));
    expect(await engine().releaseAtWindow(user.tenantId, campaignId)).toEqual({ released: 0 });
    for (const m of (await messagesTo(user.tenantId, contactIds)).filter((x) => held.some((h) => h.id === x.id))) expect(m).toMatchObject({ status: 'queued', errorCode: 'campaign_paused' });
  });
});

/**
 * The release at the window's opening (decision 0054) as it happens in production: enqueued by the
 * resume, run by the job worker of a runtime that works when pg-boss finds it due. Its start_after
 * is hours ahead; the test moves it to now instead of waiting.
 */
describe('the send window of a resumed campaign opening, with workers on', () => {
  let w: TestApp;
  beforeAll(async () => {
    w = await startTestApp({ work: true });
  });
  afterAll(async () => {
    await w?.close();
  });

  it("sends what was held for the window when the release job's worker runs it, not before", async () => {
    const { client, user } = await buildSignedInUser(w);
    const channel = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
    expect(channel.status, channel.text).toBe(201);
    await w.db.withTenant(user.tenantId, (tx) =>
      tx
        .update(channelAccounts)
        .set({ settings: sql`${channelAccounts.settings} || ${JSON.stringify({ messagesPerSecond: 1 })}::jsonb` })
        .where(and(eq(channelAccounts.tenantId, user.tenantId), eq(channelAccounts.id, channel.body.id))),
    );
    const contactIds = await buildGatePassingContacts(w, user.tenantId, { count: 6, numberPrefix: '+549118' });
    const template = await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}' });
    const campaign = await client.post('/api/v1/campaigns', { name: 'Ventana', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds }, minScore: 0 });
    expect(campaign.status, campaign.text).toBe(201);
    const campaignId = campaign.body.id as string;
    const inDb = () => w.db.withTenant(user.tenantId, (tx) => tx.select().from(messages).where(and(eq(messages.tenantId, user.tenantId), inArray(messages.contactId, contactIds))));
    const setWindow = (sendWindow: { days: number[]; start: string; end: string }) =>
      w.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ sendWindow }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, campaignId))));

    // The workers run it and send at 1/s; paused while some of what the run queued is still waiting.
    expect((await client.post(`/api/v1/campaigns/${campaignId}/launch`)).status).toBe(200);
    await until('the run to queue messages', async () => count(await inDb(), (m) => m.status === 'queued') >= 3);
    expect((await client.post(`/api/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    const held = await until('messages held by the pause', async () => {
      const rows = (await inDb()).filter((m) => m.errorCode === 'campaign_paused');
      return rows.length > 0 && rows;
    });

    // Resumed while its send window is closed: held for the window, the release job enqueued for its opening, hours ahead.
    const hour = new Date().getUTCHours();
    await setWindow({ days: [1, 2, 3, 4, 5, 6, 7], start: `${String((hour + 6) % 24).padStart(2, '0')}:00`, end: `${String((hour + 7) % 24).padStart(2, '0')}:00` });
    expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
    const isHeld = (m: { id: string }) => held.some((h) => h.id === m.id);
    for (const m of (await inDb()).filter(isHeld)) expect(m).toMatchObject({ status: 'queued', errorCode: 'campaign_window' });
    const job = () => w.db.sql<{ id: string; state: string; startAfter: Date }[]>`
      select id, state, start_after as "startAfter" from pgboss.job where name = 'campaigns.release-at-window' and singleton_key = ${campaignId}`;
    const [waiting] = await job();
    expect(waiting).toMatchObject({ state: 'created' });
    expect(new Date(waiting!.startAfter).getTime()).toBeGreaterThan(Date.now() + 5 * 60 * 60 * 1000);
    // The workers poll every half second: not due, it is left alone and nothing held leaves.
    await sleep(1_500);
    expect((await job())[0]).toMatchObject({ id: waiting!.id, state: 'created' });
    for (const m of (await inDb()).filter(isHeld)) expect(m).toMatchObject({ status: 'queued', errorCode: 'campaign_window' });

    // The window opens (its hours become now's) and the job becomes due: the time it waited for has come.
    await setWindow({ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' });
    await w.db.sql`update pgboss.job set start_after = now() where id = ${waiting!.id}`;
    // A worker takes it (no one calls releaseAtWindow here), lets the held messages go, and the drain it schedules sends them.
    await until('the release job to be completed by a worker', async () => (await job()).find((j) => j.id === waiting!.id)?.state === 'completed');
    const sent = await until('the held messages to be sent', async () => {
      const rows = (await inDb()).filter(isHeld);
      return rows.every((m) => m.sentAt !== null) && rows;
    });
    expect(sent.map((m) => m.errorCode)).toEqual(held.map(() => null));
  });
});
