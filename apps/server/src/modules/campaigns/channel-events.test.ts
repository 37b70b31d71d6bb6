import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { startFakeGraph } from '../../../test/fakes/graph';
import type { BusEvent } from '../../platform/events/bus';
import { auditEvents } from '../audit/audit.tables';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';
import { contacts } from '../contacts/contacts.tables';
import { campaignRecipients } from './campaigns.tables';

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
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
const published: BusEvent[] = [];
beforeAll(async () => {
  t = await startTestApp();
  graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID });
  graph.setTemplates([
    { name: 'seguimiento', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
    { name: 'otra', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
  ]);
  t.runtime.modules.channels.channels.allowPrivateHostsForTests(['127.0.0.1']);
  t.runtime.deps.bus.subscribe((e) => published.push(e));
});
afterAll(async () => {
  await graph?.close();
  await t?.close();
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

/** A running campaign of `n` opted-in contacts on the channel, with a WhatsApp template mapping; the first sends queued. */
async function runningCampaign(client: TestClient, tenantId: string, channelId: string, whatsappTemplate: string) {
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
  const created = await client.post('/api/v1/campaigns', { name: 'Seguimiento', templateId: template.body.id, channelIds: [channelId], audience: { contactIds: ids }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 600 } });
  expect(created.status, created.text).toBe(201);
  expect((await client.post(`/api/v1/campaigns/${created.body.id}/launch`)).status).toBeLessThan(300);
  await t.runtime.modules.campaigns.engine.run(tenantId, created.body.id);
  return created.body.id as string;
}

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

    // A resume while the template is still paused is stopped again at the next claim (the next send made due now).
    expect((await client.post(`/api/v1/campaigns/${paused}/resume`)).status).toBe(200);
    await t.db.withTenant(user.tenantId, (tx) => tx.update(campaignRecipients).set({ dueAt: new Date() }).where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, paused), eq(campaignRecipients.status, 'pending'))));
    await t.runtime.modules.campaigns.engine.run(user.tenantId, paused);
    expect((await client.get(`/api/v1/campaigns/${paused}`)).body).toMatchObject({ status: 'paused', pausedReason: 'template_paused' });

    // Meta reinstates it: the list says approved again.
    await webhook(user.tenantId, channelId, 'message_template_status_update', { event: 'REINSTATED', message_template_id: 9000, message_template_name: 'seguimiento', message_template_language: 'es_AR' });
    const after = (await client.get(`/api/v1/channels/${channelId}/templates`)).body.items as { name: string; status: string }[];
    expect(after.find((x) => x.name === 'seguimiento')?.status).toBe('APPROVED');
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
