import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';

const TOKEN = 'EAAG-adapter-token-canary';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: '106540352242922', businessAccountId: '102290129340398' } }));
});
afterAll(async () => {
  await close?.();
});

async function cloudChannel(client: TestClient, config: Record<string, unknown> = {}) {
  const res = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: '106540352242922', businessAccountId: '102290129340398', accessToken: TOKEN, appSecret: 'app-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl, ...config },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('channel adapters through the service', () => {
  it('builds the adapter of a channel with its decrypted token, and sends through it', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const adapter = await t.runtime.modules.channels.channels.adapterFor(user.tenantId, channel.id);
    expect(adapter.kind).toBe('whatsapp_cloud');
    const receipt = await adapter.send({ messageId: 'm1', to: { phoneE164: '+5491144445555' }, content: { type: 'text', body: 'hola' } });
    expect(receipt.providerMessageId).toMatch(/^wamid\./);
    expect(graph.requests.at(-1)!.authorization).toBe(`Bearer ${TOKEN}`);
    await client.patch(`/api/v1/channels/${channel.id}`, { status: 'disabled' });
    await expect(t.runtime.modules.channels.channels.adapterFor(user.tenantId, channel.id)).rejects.toMatchObject({ code: 'invalid_state' });
    const other = await buildSignedInUser(t);
    await expect(t.runtime.modules.channels.channels.adapterFor(other.user.tenantId, channel.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('tests the connection and says what it learned, or why it failed, without the token', async () => {
    const { client } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    const ok = await client.post(`/api/v1/channels/${channel.id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, info: { displayPhoneNumber: '+1 555-010-0199', verifiedName: 'LeadMaster Demo', qualityRating: 'GREEN' }, error: null });
    graph.failNext({ kind: 'error', status: 401, error: { code: 190, message: 'Error validating access token: Session has expired' } });
    const bad = await client.post(`/api/v1/channels/${channel.id}/test`);
    expect(bad.body).toMatchObject({ ok: false, info: null, error: { code: '190', retryable: false, message: expect.stringContaining('Session has expired') } });
    expect((await client.get(`/api/v1/channels/${channel.id}`)).body.providerState.connectionTest).toMatchObject({ ok: false });
    expect(JSON.stringify(bad.body)).not.toContain(TOKEN);
    expect(t.logs.join('\n')).not.toContain(TOKEN);
  });

  it('syncs the template list across pages and keeps it on the channel', async () => {
    const { client } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    expect((await client.get(`/api/v1/channels/${channel.id}/templates`)).body).toEqual({ items: [], nextCursor: null, syncedAt: null });
    graph.setTemplates(Array.from({ length: 130 }, (_, i) => ({ name: `plantilla_${i}`, language: 'es_AR', category: 'MARKETING', status: i === 3 ? 'PAUSED' : 'APPROVED', quality_score: { score: i === 3 ? 'RED' : 'GREEN' } })));
    const synced = await client.post(`/api/v1/channels/${channel.id}/templates/sync`);
    expect(synced.status, synced.text).toBe(200);
    expect(synced.body.items).toHaveLength(130);
    const listed = (await client.get(`/api/v1/channels/${channel.id}/templates`)).body;
    expect(listed.items[3]).toEqual({ name: 'plantilla_3', language: 'es_AR', category: 'MARKETING', status: 'PAUSED', quality: 'RED', providerTemplateId: '9003' });
    expect(listed.syncedAt).toEqual(expect.any(String));
    const sandbox = await client.post('/api/v1/channels', { kind: 'sandbox', name: 'Demo' });
    expect((await client.get(`/api/v1/channels/${sandbox.body.id}/templates`)).status).toBe(409);
  });

  it("records each template's header format and body parameter count from Meta's components, in the list and the composer's picker", async () => {
    const { client } = await buildSignedInUser(t);
    const channel = await cloudChannel(client);
    graph.setTemplates([
      {
        name: 'promo_foto',
        language: 'es_AR',
        category: 'MARKETING',
        status: 'APPROVED',
        components: [
          { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2UvanBlZw==:ARZ'] } },
          { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está listo. {{1}}, pasá a buscarlo.', example: { body_text: [['Ana', '1234']] } },
          { type: 'FOOTER', text: 'Acme' },
          { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Gracias' }] },
        ],
      },
      { name: 'factura', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'DOCUMENT' }, { type: 'BODY', text: 'Tu factura {{numero}}' }] },
      { name: 'demo_video', language: 'en_US', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'VIDEO' }, { type: 'BODY', text: 'Watch this' }] },
      { name: 'titulo', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'TEXT', text: 'Recordatorio' }, { type: 'BODY', text: 'Mañana a las {{1}}' }] },
      { name: 'simple', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'Gracias por escribirnos' }] },
    ]);
    const synced = await client.post(`/api/v1/channels/${channel.id}/templates/sync`);
    expect(synced.status, synced.text).toBe(200);
    // Graph sends components only when asked for them.
    expect(graph.requests.at(-1)!.query.fields?.split(',')).toContain('components');
    const listed = (await client.get(`/api/v1/channels/${channel.id}/templates`)).body.items;
    expect(listed.map((i: { name: string; headerFormat: string | null; bodyParameters: number }) => [i.name, i.headerFormat, i.bodyParameters])).toEqual([
      ['promo_foto', 'IMAGE', 2],
      ['factura', 'DOCUMENT', 1],
      ['demo_video', 'VIDEO', 0],
      ['titulo', 'TEXT', 1],
      ['simple', null, 0],
    ]);
    // The inbox composer's picker offers them with the same facts, to ask for the header's file.
    const contact = await client.post('/api/v1/contacts', { firstName: 'Ana', phone: '+5491155550001' });
    const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.id });
    const rules = (await client.get(`/api/v1/conversations/${conversation.body.id}/composer`)).body;
    expect(rules.templates[0]).toEqual({ name: 'promo_foto', language: 'es_AR', category: 'MARKETING', headerFormat: 'IMAGE', bodyParameters: 2, headerParameters: 0 });
    expect(rules.templates[4]).toEqual({ name: 'simple', language: 'es_AR', category: 'UTILITY', headerFormat: null, bodyParameters: 0, headerParameters: 0 });
  });

  it('keeps the throughput setting within Meta’s limits', async () => {
    const { client } = await buildSignedInUser(t);
    const shared = await cloudChannel(client, { sharedWithBusinessApp: true });
    expect(shared.settings).toMatchObject({ messagesPerSecond: 20, sharedWithBusinessApp: true });
    const tooFast = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'x',
      config: { phoneNumberId: '106540352242922', businessAccountId: '102290129340398', accessToken: 'a', appSecret: 'b', verifyToken: 'verify-me-please', sharedWithBusinessApp: true, messagesPerSecond: 80 },
    });
    expect(tooFast.status).toBe(400);
    expect(tooFast.body.error.details.issues[0].field).toBe('body.config.messagesPerSecond');
    const channel = await cloudChannel(client);
    expect(channel.settings.messagesPerSecond).toBe(80);
    const raised = await client.patch(`/api/v1/channels/${channel.id}`, { settings: { messagesPerSecond: 1000 } });
    expect(raised.body.settings.messagesPerSecond).toBe(1000);
    expect((await client.patch(`/api/v1/channels/${channel.id}`, { settings: { messagesPerSecond: 1001 } })).status).toBe(400);
    expect((await client.patch(`/api/v1/channels/${channel.id}`, { settings: { accessToken: 'sneaky' } })).status).toBe(400);
    const nowShared = await client.patch(`/api/v1/channels/${channel.id}`, { settings: { sharedWithBusinessApp: true } });
    expect(nowShared.body.settings).toMatchObject({ messagesPerSecond: 20, sharedWithBusinessApp: true });
    expect((await client.patch(`/api/v1/channels/${channel.id}`, { settings: { messagesPerSecond: 50 } })).status).toBe(400);
  });
});
