import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import type { FakeTemplate } from '../../../test/fakes/graph';
import { auditEvents } from '../audit/audit.tables';
import { campaignRecipients } from './campaigns.tables';

/**
 * Meta's 132000 (parameter count) and 132012 (parameter format) after a launch: the campaign's
 * template no longer fits the Meta template, so every further send would fail alike. The campaign
 * pauses at the first refusal, says why, and the refused recipient is sent after the resume
 * (decision 0050), through the real Cloud adapter against the fake Graph API.
 */
const TOKEN = 'EAAG-template-refusal-token';
const PHONE_NUMBER_ID = '106540352249001';
const WABA_ID = '102290129349001';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID } }));
});
afterAll(async () => {
  await close?.();
});

const oneParameter: FakeTemplate = { name: 'bienvenida', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'BODY', text: 'Hola {{1}}, bienvenida' }] };
const sends = () => graph.requests.filter((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages`);

async function setUp(client: TestClient, tenantId: string, options: { count: number; prefix: string; delaySeconds: number }) {
  graph.setTemplates([oneParameter]);
  const channel = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'template-refusal-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
  });
  expect(channel.status, channel.text).toBe(201);
  expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
  const contactIds = await buildGatePassingContacts(t, tenantId, { count: options.count, numberPrefix: options.prefix });
  const template = await client.post('/api/v1/templates', { name: 'Bienvenida', body: 'Hola {{firstName}}', whatsappTemplate: { name: 'bienvenida', language: 'es_AR', parameters: ['{{firstName|cliente}}'] } });
  expect(template.status, template.text).toBe(201);
  const campaign = await client.post('/api/v1/campaigns', { name: 'Bienvenida', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: options.delaySeconds } });
  expect(campaign.status, campaign.text).toBe(201);
  const launch = await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`);
  expect(launch.status, launch.text).toBe(200);
  return { channelId: channel.body.id as string, campaignId: campaign.body.id as string, contactIds };
}

async function ledger(tenantId: string, campaignId: string) {
  return t.db.withTenant(tenantId, (tx) => tx.select().from(campaignRecipients).where(and(eq(campaignRecipients.tenantId, tenantId), eq(campaignRecipients.campaignId, campaignId))));
}

describe('a WhatsApp template Meta changed after the launch (132000 / 132012)', () => {
  it('pauses the campaign at the first refusal with the reason, keeps the refused recipient for the resume, and sends nobody twice', async () => {
    const { client, user } = await buildSignedInUser(t);
    const engine = t.runtime.modules.campaigns.engine;
    const outbound = t.runtime.modules.messaging.outbound;
    const { campaignId } = await setUp(client, user.tenantId, { count: 3, prefix: '+549113', delaySeconds: 2 });
    // Meta's template now takes two body parameters; the campaign maps one.
    graph.setTemplates([{ ...oneParameter, components: [{ type: 'BODY', text: 'Hola {{1}}, tu código es {{2}}' }] }]);
    const before = sends().length;
    await engine.run(user.tenantId, campaignId);
    await outbound.drain(user.tenantId);
    expect(sends().slice(before).map((s) => s.status)).toEqual([400]);

    const paused = (await client.get(`/api/v1/campaigns/${campaignId}`)).body;
    expect(paused).toMatchObject({ status: 'paused', pausedReason: 'provider_error_132000', stats: { failed: 0, pending: 3 } });
    const refused = (await ledger(user.tenantId, campaignId)).find((r) => r.errorCode === '132000');
    expect(refused).toMatchObject({ status: 'pending', messageId: null, attempts: 1 });
    const audit = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, user.tenantId), eq(auditEvents.action, 'campaign.auto_paused'))));
    expect(audit.map((a) => a.details)).toEqual([expect.objectContaining({ reason: 'provider_error_132000', code: '132000' })]);
    // Paused: nothing more goes out, however long it waits.
    await new Promise((r) => setTimeout(r, 2100));
    expect(await engine.run(user.tenantId, campaignId)).toMatchObject({ state: 'paused', claimed: 0 });
    expect(sends()).toHaveLength(before + 1);

    // The template is put right in Meta; the campaign is resumed: all three get it once.
    graph.setTemplates([oneParameter]);
    expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).body).toMatchObject({ status: 'running', pausedReason: null });
    for (let i = 0; i < 3; i++) {
      await engine.run(user.tenantId, campaignId);
      await outbound.drain(user.tenantId);
      if ((await ledger(user.tenantId, campaignId)).every((r) => r.status === 'sent')) break;
      await new Promise((r) => setTimeout(r, 2100));
    }
    const rows = await ledger(user.tenantId, campaignId);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    const accepted = sends().slice(before).filter((s) => s.status === 200);
    expect(accepted).toHaveLength(3);
    expect(new Set(accepted.map((s) => s.json.to)).size).toBe(3);
    expect(refused!.contactId && rows.find((r) => r.contactId === refused!.contactId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('on 132012 for one send of a batch, pauses; the others already accepted stay sent, the refused one is sent after the resume', async () => {
    const { client, user } = await buildSignedInUser(t);
    const engine = t.runtime.modules.campaigns.engine;
    const outbound = t.runtime.modules.messaging.outbound;
    const { campaignId } = await setUp(client, user.tenantId, { count: 3, prefix: '+549114', delaySeconds: 0 });
    const before = sends().length;
    graph.failNext({ kind: 'error', status: 400, error: { code: 132012, message: '(#132012) Parameter format does not match format in the created template', error_data: { details: 'header: expected image, received nothing' } } });
    await engine.run(user.tenantId, campaignId);
    await outbound.drain(user.tenantId);
    expect(sends().slice(before).map((s) => s.status).sort()).toEqual([200, 200, 400]);
    const campaign = (await client.get(`/api/v1/campaigns/${campaignId}`)).body;
    expect(campaign).toMatchObject({ status: 'paused', pausedReason: 'provider_error_132012', stats: { failed: 0, pending: 1, sent: 2 } });

    // A second refusal after a resume that fixed nothing: recorded failed with the code, not sent back again.
    graph.failNext({ kind: 'error', status: 400, error: { code: 132012, message: '(#132012) Parameter format does not match format in the created template' } });
    expect((await client.post(`/api/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
    await engine.run(user.tenantId, campaignId);
    await outbound.drain(user.tenantId);
    const again = (await client.get(`/api/v1/campaigns/${campaignId}`)).body;
    expect(again).toMatchObject({ status: 'paused', pausedReason: 'provider_error_132012', stats: { failed: 1, pending: 0, sent: 2 } });
    expect((await ledger(user.tenantId, campaignId)).find((r) => r.status === 'failed')).toMatchObject({ errorCode: '132012', attempts: 2 });
    expect(sends().slice(before)).toHaveLength(4);
  });
});
