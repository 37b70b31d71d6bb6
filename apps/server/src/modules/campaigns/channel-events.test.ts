import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import type { BusEvent } from '../../platform/events/bus';
import { auditEvents } from '../audit/audit.tables';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';
import { contacts } from '../contacts/contacts.tables';
import { campaignRecipients, campaigns } from './campaigns.tables';

/**
 * What a campaign hears from its WhatsApp number: Meta pausing (or disabling) the template it
 * sends pauses the campaign and alerts the admins, and the number's template list shows the new
 * status; a reinstated template is approved again. Real webhooks, signed, through the inbound path.
 */
const TOKEN = 'EAAG-template-status-token';
const APP_SECRET = 'template-status-secret';
const PHONE_NUMBER_ID = '106540352242988';
const WABA_ID = '102290129340398';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
const published: BusEvent[] = [];
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({
    graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID },
    templates: [
      { name: 'seguimiento', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
      { name: 'otra', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
    ],
  }));
  t.runtime.deps.bus.subscribe((e) => published.push(e));
});
afterAll(async () => {
  await close?.();
});

async function cloudChannel(client: TestClient) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
  });
  expect(res.status, res.text).toBe(201);
  expect((await client.post(`/api/v1/channels/${res.body.id}/templates/sync`)).status).toBe(200);
  return res.body.id as string;
}

async function webhook(tenantId: string, channelId: string, field: string, value: Record<string, unknown>) {
  const raw = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID, time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }] }));
  const res = await t.client().request('POST', `/webhooks/whatsapp/${channelId}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
  expect(res.status, res.text).toBe(200);
  await t.runtime.modules.channels.inbound.drain(tenantId);
}

/** A draft of 3 opted-in contacts on the channel, with a WhatsApp template mapping (scheduled at `at` when given). */
async function draftCampaign(client: TestClient, tenantId: string, channelId: string, whatsappTemplate: string, at?: string) {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const created = await client.post('/api/v1/contacts', { firstName: `Ana ${i}`, phone: `+5491147${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}` });
    expect(created.status, created.text).toBe(201);
    await client.post(`/api/v1/contacts/${created.body.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
    ids.push(created.body.id);
  }
  await t.db.withTenant(tenantId, (tx) => tx.update(contacts).set({ scoreContactability: 90 }).where(and(eq(contacts.tenantId, tenantId), sql`${contacts.id} = any(${sql.param(ids)}::uuid[])`)));
  const template = await client.post('/api/v1/templates', { name: 'Seguimiento', body: 'Hola {{firstName}}', whatsappTemplate: { name: whatsappTemplate, language: 'es_AR', parameters: ['{{firstName}}'] } });
  expect(template.status, template.text).toBe(201);
  const created = await client.post('/api/v1/campaigns', { name: 'Seguimiento', templateId: template.body.id, channelIds: [channelId], audience: { contactIds: ids }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 600 }, ...(at ? { schedule: { at } } : {}) });
  expect(created.status, created.text).toBe(201);
  return created.body.id as string;
}

/** A running campaign of 3 opted-in contacts on the channel, with a WhatsApp template mapping; the first send queued. */
async function runningCampaign(client: TestClient, tenantId: string, channelId: string, whatsappTemplate: string) {
  const id = await draftCampaign(client, tenantId, channelId, whatsappTemplate);
  expect((await client.post(`/api/v1/campaigns/${id}/launch`)).status).toBeLessThan(300);
  await t.runtime.modules.campaigns.engine.run(tenantId, id);
  return id;
}

const alertsFor = (campaignId: string) => published.filter((e) => e.type === 'campaign.alert' && (e.data as { campaignId: string }).campaignId === campaignId).map((e) => e.data as { reason: string; resumable?: boolean; channelId?: string });

describe('template status webhooks', () => {
  it('pauses the campaigns sending a template Meta paused, alerts the admins and shows the status in the number’s template list', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client);
    const paused = await runningCampaign(client, user.tenantId, channelId, 'seguimiento');
    const other = await runningCampaign(client, user.tenantId, channelId, 'otra');
    expect((await client.get(`/api/v1/campaigns/${paused}`)).body.status).toBe('running');

    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'PAUSED', message_template_id: 9000, message_template_name: 'seguimiento', message_template_language: 'es_AR', reason: 'LOW_QUALITY' });

    const list = (await client.get(`/api/v1/channels/${channelId}/templates`)).body.items as { name: string; status: string }[];
    expect(list.find((x) => x.name === 'seguimiento')?.status).toBe('PAUSED');
    expect(list.find((x) => x.name === 'otra')?.status).toBe('APPROVED');
    expect((await client.get(`/api/v1/campaigns/${paused}`)).body).toMatchObject({ status: 'paused', pausedReason: 'template_paused' });
    // Only the campaign using that template stops.
    expect((await client.get(`/api/v1/campaigns/${other}`)).body.status).toBe('running');
    const audit = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, user.tenantId), eq(auditEvents.action, 'campaign.auto_paused'))));
    expect(audit.map((a) => a.targetId)).toEqual([paused]);
    expect(published.some((e) => e.type === 'campaign.alert' && (e.data as { campaignId: string; reason: string }).campaignId === paused && (e.data as { reason: string }).reason === 'template_paused')).toBe(true);

    // A resume while the template is still paused is refused, saying which template on which number.
    expect((await client.get(`/api/v1/campaigns/${paused}`)).body.templateHealth).toEqual([{ channelId, channelName: 'Ventas', name: 'seguimiento', language: 'es_AR', status: 'PAUSED' }]);
    const refused = await client.post(`/api/v1/campaigns/${paused}/resume`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: { reason: 'template_not_approved', channels: [{ channelId, status: 'PAUSED' }] } });
    expect(refused.body.error.message).toContain('"seguimiento" (es_AR) is not approved by Meta on Ventas (PAUSED)');
    expect((await client.get(`/api/v1/campaigns/${paused}`)).body.status).toBe('paused');

    // Meta reinstates it: the list says approved again; the campaign stays paused, and its admins hear it can be resumed.
    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'REINSTATED', message_template_id: 9000, message_template_name: 'seguimiento', message_template_language: 'es_AR' });
    const after = (await client.get(`/api/v1/channels/${channelId}/templates`)).body.items as { name: string; status: string }[];
    expect(after.find((x) => x.name === 'seguimiento')?.status).toBe('APPROVED');
    expect((await client.get(`/api/v1/campaigns/${paused}`)).body).toMatchObject({ status: 'paused', pausedReason: 'template_paused', templateHealth: [{ status: 'APPROVED' }] });
    await expect.poll(() => alertsFor(paused).at(-1)).toMatchObject({ reason: 'template_approved', channelId, resumable: true });
    // The campaign that kept running hears nothing of it.
    expect(alertsFor(other).some((a) => a.reason === 'template_approved')).toBe(false);
    expect((await client.post(`/api/v1/campaigns/${paused}/resume`)).body).toMatchObject({ status: 'running', pausedReason: null });
  });

  it('stops again at the next claim when the number’s list says the template is paused (a resume that raced the webhook)', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client);
    const id = await runningCampaign(client, user.tenantId, channelId, 'seguimiento');
    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'PAUSED', message_template_id: 9000, message_template_name: 'seguimiento', message_template_language: 'es_AR', reason: 'LOW_QUALITY' });
    // As if the resume had been checked just before the webhook landed.
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ status: 'running', pausedReason: null }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, id))));
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaignRecipients).set({ dueAt: new Date() }).where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, id), eq(campaignRecipients.status, 'pending'))));
    await t.runtime.modules.campaigns.engine.run(user.tenantId, id);
    expect((await client.get(`/api/v1/campaigns/${id}`)).body).toMatchObject({ status: 'paused', pausedReason: 'template_paused', stats: { pending: 2 } });
  });

  it('pauses a scheduled campaign before its start; resuming puts it back on its schedule', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client);
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const id = await draftCampaign(client, user.tenantId, channelId, 'seguimiento', at);
    expect((await client.post(`/api/v1/campaigns/${id}/launch`)).body.status).toBe('scheduled');

    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'DISABLED', message_template_id: 9000, message_template_name: 'seguimiento', message_template_language: 'es_AR', reason: 'INCORRECT_CATEGORY' });
    expect((await client.get(`/api/v1/campaigns/${id}`)).body).toMatchObject({ status: 'paused', pausedReason: 'template_disabled', launchedAt: null });
    await expect.poll(() => alertsFor(id).at(-1)).toMatchObject({ reason: 'template_disabled', channelId });
    const audit = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, user.tenantId), eq(auditEvents.targetId, id), eq(auditEvents.action, 'campaign.auto_paused'))));
    expect(audit).toHaveLength(1);
    // Its start time comes: the run finds it paused and sends nothing.
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ scheduleAt: new Date(Date.now() - 1000) }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, id))));
    expect(await t.runtime.modules.campaigns.engine.run(user.tenantId, id)).toMatchObject({ state: 'paused', claimed: 0 });
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaigns).set({ scheduleAt: new Date(at) }).where(and(eq(campaigns.tenantId, user.tenantId), eq(campaigns.id, id))));

    expect((await client.post(`/api/v1/campaigns/${id}/resume`)).status).toBe(409);
    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'APPROVED', message_template_id: 9000, message_template_name: 'seguimiento', message_template_language: 'es_AR' });
    await expect.poll(() => alertsFor(id).at(-1)).toMatchObject({ reason: 'template_approved', resumable: true });
    expect((await client.post(`/api/v1/campaigns/${id}/resume`)).body).toMatchObject({ status: 'scheduled', pausedReason: null, launchedAt: null, schedule: { at } });
    // Still before its time: a run reschedules and sends nothing.
    expect(await t.runtime.modules.campaigns.engine.run(user.tenantId, id)).toMatchObject({ state: 'scheduled', claimed: 0 });
  });

  it('refuses to launch or schedule a campaign whose template Meta has not approved on its number', async () => {
    graph.setTemplates([
      { name: 'seguimiento', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
      { name: 'rechazada', language: 'es_AR', category: 'MARKETING', status: 'REJECTED' },
    ]);
    try {
      const { client, user } = await buildSignedInUser(t);
      const channelId = await cloudChannel(client);
      const rejected = await draftCampaign(client, user.tenantId, channelId, 'rechazada', new Date(Date.now() + 3_600_000).toISOString());
      expect((await client.get(`/api/v1/campaigns/${rejected}`)).body.templateHealth).toEqual([{ channelId, channelName: 'Ventas', name: 'rechazada', language: 'es_AR', status: 'REJECTED' }]);
      const res = await client.post(`/api/v1/campaigns/${rejected}/launch`);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'conflict', details: { reason: 'template_not_approved', channels: [{ channelId, status: 'REJECTED' }] } });
      expect(res.body.error.message).toContain('cannot launch');
      expect((await client.get(`/api/v1/campaigns/${rejected}`)).body.status).toBe('draft');

      // A name the number's synced list does not have: Meta would answer 132001 to every send.
      const missing = await draftCampaign(client, user.tenantId, channelId, 'no_existe');
      const res2 = await client.post(`/api/v1/campaigns/${missing}/launch`);
      expect(res2.status).toBe(409);
      expect(res2.body.error.details.channels).toEqual([{ channelId, channelName: 'Ventas', name: 'no_existe', language: 'es_AR', status: 'MISSING' }]);
      expect(res2.body.error.message).toContain('Ventas (not in its synced template list)');

      const approved = await draftCampaign(client, user.tenantId, channelId, 'seguimiento');
      expect((await client.post(`/api/v1/campaigns/${approved}/launch`)).body.status).toBe('running');
    } finally {
      graph.setTemplates([
        { name: 'seguimiento', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
        { name: 'otra', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
      ]);
    }
  });

  it('pauses on a disabled template too, and adds a template the list did not have yet', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client);
    const campaign = await runningCampaign(client, user.tenantId, channelId, 'otra');
    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'DISABLED', message_template_id: 9001, message_template_name: 'otra', message_template_language: 'es_AR', reason: 'INCORRECT_CATEGORY' });
    expect((await client.get(`/api/v1/campaigns/${campaign}`)).body).toMatchObject({ status: 'paused', pausedReason: 'template_disabled' });
    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'APPROVED', message_template_id: 7777, message_template_name: 'nueva', message_template_language: 'en_US' });
    const list = (await client.get(`/api/v1/channels/${channelId}/templates`)).body.items as { name: string; language: string; status: string }[];
    expect(list.find((x) => x.name === 'nueva')).toMatchObject({ language: 'en_US', status: 'APPROVED' });
  });
});
