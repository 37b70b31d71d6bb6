import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';

/**
 * A Meta template whose TEXT header has a variable (`Hola {{1}}`): the sync records it, a campaign
 * template maps it (`headerParameters`, rendered like the body's), a launch is refused while the
 * mapping does not fill it, and each send carries it; an inbox template reply asks for it too.
 * The fake Graph refuses a send that lacks it with 132000, as Meta does (decision 0050).
 */
const TOKEN = 'EAAG-template-header-text-token';
const PHONE_NUMBER_ID = '106540352249003';
const WABA_ID = '102290129349003';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({
    graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID },
    templates: [
      { name: 'pedido_listo', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'TEXT', text: 'Hola {{1}}' }, { type: 'BODY', text: 'Tu pedido de {{1}} está listo' }] },
      { name: 'titulo_fijo', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'TEXT', text: 'Novedades' }, { type: 'BODY', text: 'Hola' }] },
    ],
  }));
});
afterAll(async () => {
  await close?.();
});

async function cloudChannel() {
  const { client, user } = await buildSignedInUser(t);
  const channel = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'header-text-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
  });
  expect(channel.status, channel.text).toBe(201);
  expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
  return { client, user, channelId: channel.body.id as string };
}
const sendsSince = (n: number) => graph.requests.slice(n).filter((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages`);

describe("a WhatsApp template's TEXT header variable", () => {
  it('is recorded on sync, refused at launch while the mapping lacks it, and sent rendered per recipient once mapped', async () => {
    const { client, user, channelId } = await cloudChannel();
    const list = await client.get(`/api/v1/channels/${channelId}/templates`);
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'pedido_listo', headerFormat: 'TEXT', headerParameters: 1, bodyParameters: 1 }),
        expect.objectContaining({ name: 'titulo_fijo', headerFormat: 'TEXT', headerParameters: 0, bodyParameters: 0 }),
      ]),
    );
    const contactIds = await buildGatePassingContacts(t, user.tenantId, { count: 2, numberPrefix: '+549112' });
    const names = ['Lucía', 'Mateo'];
    for (const [i, id] of contactIds.entries()) await client.patch(`/api/v1/contacts/${id}`, { firstName: names[i], company: `Taller ${names[i]}` });
    const template = await client.post('/api/v1/templates', { name: 'Pedido', body: 'Hola {{firstName}}', whatsappTemplate: { name: 'pedido_listo', language: 'es_AR', parameters: ['{{company}}'] } });
    expect(template.status, template.text).toBe(201);
    const campaign = await client.post('/api/v1/campaigns', { name: 'Pedidos', templateId: template.body.id, channelIds: [channelId], audience: { contactIds }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 0 } });
    const plan = await client.post(`/api/v1/campaigns/${campaign.body.id}/plan`);
    expect(plan.body.templateHealth).toEqual([expect.objectContaining({ status: 'APPROVED', headerFormat: 'TEXT', mediaProblem: null, parameterProblem: 'template_header_parameters', headerParameters: 1, bodyParameters: 1 })]);
    const refused = await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.details).toMatchObject({ reason: 'template_header_parameters', channels: [{ channelId, parameterProblem: 'template_header_parameters' }] });
    expect(refused.body.error.message).toMatch(/text header with a \{\{1\}\} variable.*add the header parameter/);

    // Mapped: the header's variable from the contact's first name, with a fallback.
    const patched = await client.patch(`/api/v1/templates/${template.body.id}`, { whatsappTemplate: { name: 'pedido_listo', language: 'es_AR', parameters: ['{{company}}'], headerParameters: ['{{firstName|cliente}}'] } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.whatsappTemplate.headerParameters).toEqual(['{{firstName|cliente}}']);
    expect(patched.body.variables).toEqual(expect.arrayContaining(['firstName', 'company']));
    const preview = await client.post(`/api/v1/templates/${template.body.id}/preview`, { contactId: contactIds[0] });
    expect(preview.body.whatsappTemplate).toEqual({ name: 'pedido_listo', language: 'es_AR', parameters: ['Taller Lucía'], headerParameters: ['Lucía'] });
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/plan`)).body.templateHealth[0].parameterProblem).toBeNull();
    const before = graph.requests.length;
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).status).toBe(200);
    await t.runtime.modules.campaigns.engine.run(user.tenantId, campaign.body.id);
    await t.runtime.modules.messaging.outbound.drain(user.tenantId);

    const sends = sendsSince(before);
    expect(sends.map((s) => s.status)).toEqual([200, 200]);
    const components = sends.map((s) => s.json.template.components).sort((a, b) => a[0].parameters[0].text.localeCompare(b[0].parameters[0].text));
    expect(components).toEqual([
      [
        { type: 'header', parameters: [{ type: 'text', text: 'Lucía' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Taller Lucía' }] },
      ],
      [
        { type: 'header', parameters: [{ type: 'text', text: 'Mateo' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Taller Mateo' }] },
      ],
    ]);
    expect((await client.get(`/api/v1/campaigns/${campaign.body.id}`)).body.stats).toMatchObject({ sent: 2, failed: 0 });
  });

  it('is refused by the fake Graph with 132000 when a send lacks it, or gives one to a header without a variable, as Meta does', async () => {
    const send = async (name: string, components: unknown[]) => {
      const res = await fetch(`${graph.baseUrl}/v23.0/${PHONE_NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '5491155550000', type: 'template', template: { name, language: { code: 'es_AR' }, components } }),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: number; error_data?: { details: string } } } };
    };
    const body = { type: 'body', parameters: [{ type: 'text', text: 'Taller' }] };
    const missing = await send('pedido_listo', [body]);
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 132000, error_data: { details: expect.stringMatching(/^header/) } } } });
    expect((await send('pedido_listo', [{ type: 'header', parameters: [{ type: 'text', text: 'Lucía' }] }, body])).status).toBe(200);
    expect((await send('titulo_fijo', [{ type: 'header', parameters: [{ type: 'text', text: 'Lucía' }] }])).body.error?.code).toBe(132000);
  });

  it("is asked for by an inbox template reply: offered by the composer, required by the server, sent in the header", async () => {
    const { client, user, channelId } = await cloudChannel();
    const contact = await client.post('/api/v1/contacts', { firstName: 'Lucía', phone: '+5491155550177' });
    const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId });
    const composer = await client.get(`/api/v1/conversations/${conversation.body.id}/composer`);
    expect(composer.body.templates).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'pedido_listo', headerFormat: 'TEXT', headerParameters: 1, bodyParameters: 1 })]));

    const without = await client.post(`/api/v1/conversations/${conversation.body.id}/messages`, { template: { name: 'pedido_listo', language: 'es_AR', parameters: ['Taller'] } });
    expect(without.status, without.text).toBe(400);
    expect(without.body.error.details).toMatchObject({ reason: 'template_header_parameters', expected: 1, received: 0 });

    const before = graph.requests.length;
    const sent = await client.post(`/api/v1/conversations/${conversation.body.id}/messages`, { template: { name: 'pedido_listo', language: 'es_AR', parameters: ['Taller'], headerParameters: ['Lucía'] } });
    expect(sent.status, sent.text).toBe(202);
    await t.runtime.modules.messaging.outbound.drain(user.tenantId);
    const [call] = sendsSince(before);
    expect(call?.status).toBe(200);
    expect(call!.json.template.components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'Lucía' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Taller' }] },
    ]);
  });
});
