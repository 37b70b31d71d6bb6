import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { TestApp } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';
import { conversations } from '../messaging/messaging.tables';

/**
 * A template's image goes out with each campaign message: uploaded to Meta, then sent by its id with
 * the rendered caption, or, for a template mapped to a WhatsApp template, as that template's header.
 */
const TOKEN = 'EAAG-template-media-token';
const PHONE_NUMBER_ID = '106540352243111';
const WABA_ID = '102290129340411';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({ graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID } }));
});
afterAll(async () => {
  await close?.();
});

describe('template media', () => {
  it('sends the uploaded image of a template to each recipient over the WhatsApp Cloud API, byte for byte, with the rendered caption', async () => {
    const { client, user } = await buildSignedInUser(t);
    const channel = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'template-media-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(channel.status, channel.text).toBe(201);
    const [contactId] = await buildGatePassingContacts(t, user.tenantId, { count: 1, numberPrefix: '+549117' });
    await client.patch(`/api/v1/contacts/${contactId}`, { firstName: 'Lucía' });
    // The contact wrote an hour ago: WhatsApp's window is open for a message that is not a Meta template.
    const conversation = await client.post('/api/v1/conversations', { contactId, channelId: channel.body.id });
    await t.db.withTenant(user.tenantId, (tx) =>
      tx.update(conversations).set({ lastInboundAt: new Date(Date.now() - 3600_000) }).where(and(eq(conversations.tenantId, user.tenantId), eq(conversations.id, conversation.body.id))),
    );

    const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('promo-de-verano'.repeat(100_000))]);
    const boundary = '----lmtemplatemedia';
    const uploaded = await client.request('POST', '/api/v1/files', {
      rawBody: Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="verano.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), image, Buffer.from(`\r\n--${boundary}--\r\n`)]),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(uploaded.status, uploaded.text).toBe(201);
    const template = await client.post('/api/v1/templates', { name: 'Verano', body: 'Hola {{firstName}}, mirá la promo', media: [{ blobId: uploaded.body.id }] });
    expect(template.status, template.text).toBe(201);
    const campaign = await client.post('/api/v1/campaigns', { name: 'Verano', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds: [contactId] }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 0 } });
    expect(campaign.status, campaign.text).toBe(201);
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).status).toBeLessThan(300);
    await t.runtime.modules.campaigns.engine.run(user.tenantId, campaign.body.id);
    await t.runtime.modules.messaging.outbound.drain(user.tenantId);

    const upload = graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/media`);
    expect(upload).toMatchObject({ status: 200, form: { messaging_product: 'whatsapp', type: 'image/jpeg' }, file: { name: 'verano.jpg', type: 'image/jpeg', size: image.length } });
    const send = graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages` && r.json?.type === 'image');
    expect(send?.status).toBe(200);
    expect(send!.json.image.caption).toBe('Hola Lucía, mirá la promo');
    // What Meta holds under that id is the uploaded file, fetched back as a WhatsApp user's phone would.
    const meta = (await (await fetch(`${graph.baseUrl}/v23.0/${send!.json.image.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { url: string };
    const held = Buffer.from(await (await fetch(meta.url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
    expect(held.equals(image)).toBe(true);

    const thread = await client.get(`/api/v1/conversations/${conversation.body.id}/messages`);
    expect(thread.body.items[0]).toMatchObject({ type: 'image', status: 'sent', body: 'Hola Lucía, mirá la promo', media: [{ blobId: uploaded.body.id, mimeType: 'image/jpeg', fileName: 'verano.jpg' }] });
  });

  it("sends a template mapped to a WhatsApp template with its image as the template's header, to people who never wrote", async () => {
    const { client, user } = await buildSignedInUser(t);
    // As Meta lists it: an IMAGE header and a body with one parameter (the fake checks each send against them).
    graph.setTemplates([{ name: 'promo_invierno', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hola {{1}}, llegó el invierno' }] }]);
    const channel = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'template-media-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect(channel.status, channel.text).toBe(201);
    expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
    const contactIds = await buildGatePassingContacts(t, user.tenantId, { count: 3, numberPrefix: '+549118' });
    const names = ['Lucía', 'Mateo', 'Sofía'];
    for (const [i, id] of contactIds.entries()) await client.patch(`/api/v1/contacts/${id}`, { firstName: names[i] });
    const numbers = new Map<string, string>();
    for (const [i, id] of contactIds.entries()) numbers.set((await client.get(`/api/v1/contacts/${id}`)).body.phoneE164.replace(/^\+/, ''), names[i]!);

    const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('promo-de-invierno'.repeat(20_000))]);
    const boundary = '----lmtemplateheader';
    const uploaded = await client.request('POST', '/api/v1/files', {
      rawBody: Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="invierno.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), image, Buffer.from(`\r\n--${boundary}--\r\n`)]),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(uploaded.status, uploaded.text).toBe(201);
    const template = await client.post('/api/v1/templates', {
      name: 'Invierno',
      body: 'Hola {{firstName}}, llegó el invierno',
      media: [{ blobId: uploaded.body.id }],
      whatsappTemplate: { name: 'promo_invierno', language: 'es_AR', parameters: ['{{firstName}}'] },
    });
    expect(template.status, template.text).toBe(201);
    const campaign = await client.post('/api/v1/campaigns', { name: 'Invierno', templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds }, minScore: 0, pacing: { mode: 'fixed', delaySeconds: 0 } });
    expect(campaign.status, campaign.text).toBe(201);
    const plan = await client.post(`/api/v1/campaigns/${campaign.body.id}/plan`);
    expect(plan.body.templateHealth).toEqual([
      { channelId: channel.body.id, channelName: 'Ventas', name: 'promo_invierno', language: 'es_AR', status: 'APPROVED', headerFormat: 'IMAGE', mediaProblem: null, parameterProblem: null, headerParameters: 0, bodyParameters: 1 },
    ]);
    const requestsBefore = graph.requests.length;
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).status).toBeLessThan(300);
    await t.runtime.modules.campaigns.engine.run(user.tenantId, campaign.body.id);
    await t.runtime.modules.messaging.outbound.drain(user.tenantId);

    const calls = graph.requests.slice(requestsBefore);
    const sends = calls.filter((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages`);
    expect(sends).toHaveLength(3);
    // What Meta receives for each: the template, its header's image by the id of an upload, the body's parameter.
    for (const send of sends) {
      expect(send.status).toBe(200);
      const id = send.json.template?.components?.[0]?.parameters?.[0]?.image?.id;
      expect(send.json).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: expect.any(String),
        type: 'template',
        template: {
          name: 'promo_invierno',
          language: { code: 'es_AR' },
          components: [
            { type: 'header', parameters: [{ type: 'image', image: { id } }] },
            { type: 'body', parameters: [{ type: 'text', text: numbers.get(send.json.to) }] },
          ],
        },
      });
      // What Meta holds under that id is the template's image, byte for byte.
      const meta = (await (await fetch(`${graph.baseUrl}/v23.0/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { url: string; mime_type: string };
      expect(meta.mime_type).toBe('image/jpeg');
      const held = Buffer.from(await (await fetch(meta.url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
      expect(held.equals(image)).toBe(true);
    }
    expect(new Set(sends.map((s) => s.json.to))).toEqual(new Set(numbers.keys()));
    // One drain read the image once and uploaded it once for the three.
    expect(calls.filter((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/media`)).toHaveLength(1);
  });

  it("warns in the plan and refuses the launch when the template's file does not fit the Meta template's header, with the reason", async () => {
    const { client } = await buildSignedInUser(t);
    graph.setTemplates([
      { name: 'con_foto', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hola' }] },
      { name: 'con_titulo', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'TEXT', text: 'Novedades' }, { type: 'BODY', text: 'Hola' }] },
      // Listed by a test that gives no components: the format is not known, and nothing is refused for it.
      { name: 'sin_detalle', language: 'es_AR', category: 'MARKETING', status: 'APPROVED' },
    ]);
    const channel = await client.post('/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'template-media-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
    });
    expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
    const upload = async (name: string, type: string, content: Buffer) => {
      const boundary = '----lmheadermismatch';
      const res = await client.request('POST', '/api/v1/files', {
        rawBody: Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`), content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const jpeg = await upload('foto.jpg', 'image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('foto'.repeat(100))]));
    const pdf = await upload('folleto.pdf', 'application/pdf', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'));
    const [contactId] = await buildGatePassingContacts(t, (await client.get('/api/v1/auth/me')).body.tenant.id, { count: 1, numberPrefix: '+549116' });

    const cases = [
      { meta: 'con_foto', media: [], problem: 'template_header_needs_media', headerFormat: 'IMAGE', says: /has a IMAGE header.*no file/ },
      { meta: 'con_titulo', media: [{ blobId: jpeg }], problem: 'template_header_takes_no_media', headerFormat: 'TEXT', says: /TEXT header.*takes no file/ },
      { meta: 'con_foto', media: [{ blobId: pdf }], problem: 'template_header_media_type', headerFormat: 'IMAGE', says: /cannot carry the campaign template's application\/pdf file \(JPEG or PNG only\)/ },
    ];
    for (const c of cases) {
      const template = await client.post('/api/v1/templates', { name: `${c.meta} ${c.problem}`, body: 'Hola', media: c.media, whatsappTemplate: { name: c.meta, language: 'es_AR', parameters: [] } });
      expect(template.status, template.text).toBe(201);
      const campaign = await client.post('/api/v1/campaigns', { name: c.problem, templateId: template.body.id, channelIds: [channel.body.id], audience: { contactIds: [contactId] }, minScore: 0 });
      // The plan says it before anyone presses launch, and the campaign's page too.
      const plan = await client.post(`/api/v1/campaigns/${campaign.body.id}/plan`);
      expect(plan.status, plan.text).toBe(200);
      expect(plan.body.templateHealth).toEqual([expect.objectContaining({ channelId: channel.body.id, status: 'APPROVED', headerFormat: c.headerFormat, mediaProblem: c.problem })]);
      expect((await client.get(`/api/v1/campaigns/${campaign.body.id}`)).body.templateHealth[0].mediaProblem).toBe(c.problem);
      const launch = await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`);
      expect(launch.status, launch.text).toBe(409);
      expect(launch.body.error.details).toMatchObject({ reason: c.problem, channels: [{ channelId: channel.body.id, mediaProblem: c.problem }] });
      expect(launch.body.error.message).toMatch(c.says);
      expect((await client.get(`/api/v1/campaigns/${campaign.body.id}`)).body.status).toBe('draft');
    }

    // A Meta template whose header format is not known does not block (Meta's own answer would).
    const unknown = await client.post('/api/v1/templates', { name: 'sin detalle', body: 'Hola', media: [{ blobId: jpeg }], whatsappTemplate: { name: 'sin_detalle', language: 'es_AR', parameters: [] } });
    const campaign = await client.post('/api/v1/campaigns', { name: 'sin detalle', templateId: unknown.body.id, channelIds: [channel.body.id], audience: { contactIds: [contactId] }, minScore: 0, schedule: { at: new Date(Date.now() + 86_400_000).toISOString() } });
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/plan`)).body.templateHealth).toEqual([{ channelId: channel.body.id, channelName: 'Ventas', name: 'sin_detalle', language: 'es_AR', status: 'APPROVED' }]);
    expect((await client.post(`/api/v1/campaigns/${campaign.body.id}/launch`)).status).toBe(200);
  });
});
