import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import { signMetaBody } from '../channels/whatsapp-cloud/signature';
import { campaignRecipients } from './campaigns.tables';
import { effectiveDailyCap, messagingLimitOf } from './limits';

/**
 * The plan's ETA and split over days follow the number's WhatsApp messaging limit, as Meta reports
 * it in webhooks, and the engine spreads the ledger the same way.
 */
const TOKEN = 'EAAG-limits-token';
const APP_SECRET = 'limits-app-secret';
const PHONE_NUMBER_ID = '106540352242999';
const WABA_ID = '102290129340398';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID } }));
});
afterAll(async () => {
  await close?.();
});

describe('messaging limit', () => {
  const cloud = (providerState: Record<string, unknown>) => ({ kind: 'whatsapp_cloud', providerState });

  it('reads the tier from the latest of the quality and capability webhooks', () => {
    expect(messagingLimitOf(cloud({}))).toEqual({ tier: null, perDay: null });
    expect(messagingLimitOf(cloud({ phone_number_quality_update: { current_limit: 'TIER_1K', receivedAt: '2026-01-01T00:00:00Z' } }))).toEqual({ tier: 'TIER_1K', perDay: 1000 });
    expect(messagingLimitOf(cloud({ phone_number_quality_update: { current_limit: 'TIER_UNLIMITED' } }))).toEqual({ tier: 'TIER_UNLIMITED', perDay: null });
    const both = {
      phone_number_quality_update: { current_limit: 'TIER_1K', receivedAt: '2026-01-01T00:00:00Z' },
      business_capability_update: { max_daily_conversation_per_phone: 10_000, receivedAt: '2026-01-02T00:00:00Z' },
    };
    expect(messagingLimitOf(cloud(both))).toEqual({ tier: 'TIER_10K', perDay: 10_000 });
    expect(messagingLimitOf({ kind: 'sandbox', providerState: both })).toEqual({ tier: null, perDay: null });
    // The tightest of the campaign's own cap and its numbers' limits.
    expect(effectiveDailyCap(null, [cloud(both), cloud({ phone_number_quality_update: { current_limit: 'TIER_250' } })])).toBe(250);
    expect(effectiveDailyCap(100, [cloud(both)])).toBe(100);
    expect(effectiveDailyCap(null, [cloud({})])).toBeNull();
    // A BlueBubbles line's own daily cap (300 unless set) paces a campaign the same way.
    expect(effectiveDailyCap(null, [{ kind: 'bluebubbles', providerState: {}, settings: {} }])).toBe(300);
    expect(effectiveDailyCap(null, [cloud(both), { kind: 'bluebubbles', providerState: {}, settings: { dailyCap: 120 } }])).toBe(120);
    expect(effectiveDailyCap(50, [{ kind: 'bluebubbles', providerState: {}, settings: { dailyCap: 120 } }])).toBe(50);
  });

  async function cloudChannel(client: TestClient) {
    const res = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  }

  async function webhook(tenantId: string, channelId: string, field: string, value: Record<string, unknown>) {
    const raw = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID, time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }] }));
    const res = await t.client().request('POST', `/webhooks/whatsapp/${channelId}`, { rawBody: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) } });
    expect(res.status, res.text).toBe(200);
    await t.runtime.modules.channels.inbound.drain(tenantId);
  }

  /** `count` contacts who pass the gate, written in bulk. */
  const audience = (tenantId: string, count: number) => buildGatePassingContacts(t, tenantId, { count, numberPrefix: '+549116' });

  async function draft(client: TestClient, channelId: string) {
    const template = await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}', whatsappTemplate: { name: 'hola', language: 'es_AR', parameters: ['{{firstName}}'] } });
    const created = await client.post('/api/v1/campaigns', { name: 'Por días', templateId: template.body.id, channelIds: [channelId], audience: { all: true }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 0 }, perNumberRate: 20 });
    expect(created.status, created.text).toBe(201);
    return created.body.id as string;
  }

  it('splits the plan over days by the number’s tier, and the engine spreads the ledger the same way', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channelId = await cloudChannel(client);
    await audience(user.tenantId, 300);
    await webhook(user.tenantId, channelId, 'phone_number_quality_update', { display_phone_number: '15550100199', event: 'DOWNGRADE', current_limit: 'TIER_250' });
    const campaignId = await draft(client, channelId);
    expect((await client.get(`/api/v1/channels/${channelId}`)).body.sending.messagingLimit).toEqual({ tier: 'TIER_250', perDay: 250 });

    const plan = (await client.post(`/api/v1/campaigns/${campaignId}/plan`)).body;
    expect(plan).toMatchObject({ eligible: 300, dailyCap: 250, limits: [{ channelId, tier: 'TIER_250', perDay: 250 }] });
    expect(plan.days.map((d: { count: number }) => d.count)).toEqual([250, 50]);
    expect(new Date(plan.eta).getTime() - Date.now()).toBeGreaterThan(86_400_000 - 60_000);

    // Launched, the ledger's due times follow the same split: 250 today, 50 a day later.
    expect((await client.post(`/api/v1/campaigns/${campaignId}/launch`)).status).toBeLessThan(300);
    await t.runtime.modules.campaigns.engine.materialize(user.tenantId, campaignId);
    const [split] = (await t.db.withTenant(user.tenantId, (tx) =>
      tx
        .select({ today: sql<number>`count(*) filter (where ${campaignRecipients.dueAt} < now() + interval '1 hour')::int`, later: sql<number>`count(*) filter (where ${campaignRecipients.dueAt} >= now() + interval '23 hours')::int` })
        .from(campaignRecipients)
        .where(and(eq(campaignRecipients.tenantId, user.tenantId), eq(campaignRecipients.campaignId, campaignId))),
    )) as { today: number; later: number }[];
    expect(split).toEqual({ today: 250, later: 50 });
    // The running campaign's live ETA is the last due time: the next day.
    const running = (await client.get(`/api/v1/campaigns/${campaignId}`)).body;
    expect(new Date(running.stats.eta).getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);

    // Meta raises the number's limit: a new plan fits in one day.
    await webhook(user.tenantId, channelId, 'business_capability_update', { max_daily_conversation_per_phone: 1000, max_phone_numbers_per_business: 2 });
    const next = (await client.post(`/api/v1/campaigns/${await draft(client, channelId)}/plan`)).body;
    expect(next).toMatchObject({ eligible: 300, dailyCap: 1000, limits: [{ tier: 'TIER_1K', perDay: 1000 }] });
    expect(next.days.map((d: { count: number }) => d.count)).toEqual([300]);
  });
});
