import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { TestApp } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import type { FakeTemplate } from '../../../test/fakes/graph';
import { until } from '../../../test/until';
import { auditEvents } from '../audit/audit.tables';

/**
 * A scheduled campaign passed the launch's checks, but between the launch and its start Meta may
 * change the template (its header, its status) without a webhook LeadMaster heard: when the
 * scheduler reaches it, the same checks run again and a campaign that would only fail is held,
 * paused with the reason, instead of started (decision 0050). Workers on, real HTTP to the fake Graph.
 */
const TOKEN = 'EAAG-scheduled-start-token';
const PHONE_NUMBER_ID = '106540352249002';
const WABA_ID = '102290129349002';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID }, app: { work: true } }));
});
afterAll(async () => {
  await close?.();
});

const textOnly: FakeTemplate = { name: 'aviso', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'BODY', text: 'Hola {{1}}' }] };
const other: FakeTemplate = { name: 'recordatorio', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'BODY', text: 'Hola {{1}}' }] };
const fine: FakeTemplate = { name: 'saludo', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'BODY', text: 'Hola {{1}}' }] };

describe('a scheduled campaign when its start time comes', () => {
  it("is held, not started, when Meta's template changed since the launch; the reason is recorded and nothing is sent", async () => {
    const { client, user } = await buildSignedInUser(t);
    graph.setTemplates([textOnly, other, fine]);
    const channel = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'scheduled-start-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(channel.status, channel.text).toBe(201);
    expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
    const contactIds = await buildGatePassingContacts(t, user.tenantId, { count: 2, numberPrefix: '+549115' });
    // Far enough ahead that three launches, the template change and the resync all happen before it on a loaded machine.
    const at = new Date(Date.now() + 10_000).toISOString();
    const scheduled = async (meta: string) => {
      const template = await client.post('/api/v1/templates', { name: meta, body: 'Hola {{firstName}}', whatsappTemplate: { name: meta, language: 'es_AR', parameters: ['{{firstName|cliente}}'] } });
      expect(template.status, template.text).toBe(201);
      const campaign = await client.post('/api/v1/campaigns', { name: meta, templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 0 }, schedule: { at } });
      const launch = await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`);
      expect(launch.status, launch.text).toBe(200);
      expect(launch.body.status).toBe('scheduled');
      return campaign.body.id as string;
    };
    const headerChanged = await scheduled('aviso');
    const pausedInMeta = await scheduled('recordatorio');
    const unchanged = await scheduled('saludo');

    // Before the start: Meta now wants an image in `aviso`'s header and paused `recordatorio`; a resync learns it (no webhook came).
    graph.setTemplates([{ ...textOnly, components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hola {{1}}' }] }, { ...other, status: 'PAUSED' }, fine]);
    expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
    const sendsBefore = graph.requests.filter((r) => r.path.endsWith('/messages')).length;

    const status = async (id: string) => (await client.get(`/api/v1/campaigns/${id}`)).body;
    // The campaign that still fits is started and sent: the scheduler did reach this moment.
    await until('the unchanged campaign to be sent', async () => (await status(unchanged)).stats.sent + (await status(unchanged)).stats.delivered === 2);
    const held = await until('the changed campaigns to be held', async () => {
      const [a, b] = [await status(headerChanged), await status(pausedInMeta)];
      return a.status !== 'scheduled' && b.status !== 'scheduled' && [a, b];
    });
    expect(held[0]).toMatchObject({ status: 'paused', pausedReason: 'template_header_needs_media', launchedAt: null, stats: { total: 0, sent: 0 } });
    expect(held[0].templateHealth).toEqual([expect.objectContaining({ status: 'APPROVED', headerFormat: 'IMAGE', mediaProblem: 'template_header_needs_media' })]);
    expect(held[1]).toMatchObject({ status: 'paused', pausedReason: 'template_paused', launchedAt: null, stats: { total: 0, sent: 0 } });

    // Only the unchanged campaign's two messages reached Meta.
    const sends = graph.requests.filter((r) => r.path.endsWith('/messages')).slice(sendsBefore);
    expect(sends.map((s) => s.json.template?.name)).toEqual(['saludo', 'saludo']);
    const audit = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, user.tenantId), eq(auditEvents.action, 'campaign.auto_paused'))));
    expect(audit.map((a) => [a.targetId, a.details])).toEqual(
      expect.arrayContaining([
        [headerChanged, expect.objectContaining({ reason: 'template_header_needs_media', beforeStart: true, channels: [expect.objectContaining({ channelId: channel.body.id, mediaProblem: 'template_header_needs_media' })] })],
        [pausedInMeta, expect.objectContaining({ reason: 'template_paused', beforeStart: true })],
      ]),
    );
    // A resume is refused while it still does not fit, as a launch would be.
    expect((await client.post(`/api/v1/campaigns/${headerChanged}/resume`)).status).toBe(409);
    expect((await status(headerChanged)).status).toBe('paused');
  });

  it('is held when one of its numbers was removed since the launch; resumed, it sends on the others', async () => {
    const { client, user } = await buildSignedInUser(t);
    const sandbox = async (name: string) => (await client.post('/api/v1/channels', { kind: 'sandbox', name })).body.id as string;
    const [kept, removed] = [await sandbox('Sandbox A'), await sandbox('Sandbox B')];
    const contactIds = await buildGatePassingContacts(t, user.tenantId, { count: 2, numberPrefix: '+549116' });
    const template = await client.post('/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName|cliente}}' });
    const campaign = await client.post('/api/v1/campaigns', {
      name: 'Dos números',
      templateId: template.body.id,
      channelIds: [kept, removed],
      audience: { contactIds },
      minScore: 0,
      pacing: { mode: 'fixed', delaySeconds: 0 },
      schedule: { at: new Date(Date.now() + 6_000).toISOString() },
    });
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).body.status).toBe('scheduled');
    expect((await client.delete(`/api/v1/channels/${removed}`)).status).toBeLessThan(300);

    const held = await until('the campaign to be held', async () => {
      const c = (await client.get(`/api/v1/campaigns/${campaign.body.id}`)).body;
      return c.status !== 'scheduled' && c;
    });
    expect(held).toMatchObject({ status: 'paused', pausedReason: 'channel_removed', launchedAt: null, stats: { total: 0 } });
    const audit = await t.db.withTenant(user.tenantId, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.tenantId, user.tenantId), eq(auditEvents.action, 'campaign.auto_paused'))));
    expect(audit.map((a) => a.details)).toEqual([expect.objectContaining({ reason: 'channel_removed', beforeStart: true, channelIds: [removed] })]);
    // A person decides: resumed, it starts (recipients of the removed number are skipped with the reason, none lost silently).
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/resume`)).body.status).toBe('running');
    const done = await until('the campaign to have dealt with everyone', async () => {
      const c = (await client.get(`/api/v1/campaigns/${campaign.body.id}`)).body;
      return c.stats.total === 2 && c.stats.pending + c.stats.queued === 0 && c;
    });
    expect(done.stats.sent + done.stats.delivered + done.stats.read + done.stats.skipped).toBe(2);
  });
});
