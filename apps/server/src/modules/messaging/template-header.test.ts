import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp, TestClient } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { startAppWithFakeGraph, type FakeGraph } from '../../../test/fakes/graph-app';

/**
 * An inbox reply outside WhatsApp's 24-hour window with a template whose header is a file: the
 * reply carries the file (uploaded with POST /files), which the Cloud API adapter uploads to Meta
 * and sends as the header's parameter; any file that does not fit the template's header is refused
 * with a 400 and its reason before anything is queued.
 */
const TOKEN = 'EAAG-inbox-template-header-token';
const PHONE_NUMBER_ID = '106540352243222';
const WABA_ID = '102290129340522';
let t: TestApp;
let graph: FakeGraph;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ t, graph, close } = await startAppWithFakeGraph({
    graph: { accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID },
    templates: [
      { name: 'promo_foto', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U=:ARZ'] } }, { type: 'BODY', text: 'Hola {{1}}, mirá la promo' }] },
      { name: 'titulo', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'TEXT', text: 'Recordatorio' }, { type: 'BODY', text: 'Te esperamos' }] },
      // Listed without components (as a test that does not care gives it): its header is not known.
      { name: 'sin_detalle', language: 'es_AR', category: 'UTILITY', status: 'APPROVED' },
    ],
  }));
});
afterAll(async () => {
  await close?.();
});

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('foto-de-la-promo'.repeat(5_000))]);
const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function upload(client: TestClient, name: string, type: string, content: Buffer): Promise<string> {
  const boundary = '----lminboxtemplateheader';
  const res = await client.request('POST', '/api/v1/files', {
    rawBody: Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`), content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

/** A conversation on the Cloud number whose contact never wrote: only a template may go. */
async function closedWindowConversation() {
  const { client, user } = await buildSignedInUser(t);
  const channel = await client.post('/api/v1/channels', {
    kind: 'whatsapp_cloud',
    name: 'Ventas',
    config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'inbox-header-secret', verifyToken: 'verify-me-please', apiBaseUrl: graph.baseUrl },
  });
  expect(channel.status, channel.text).toBe(201);
  expect((await client.post(`/api/v1/channels/${channel.body.id}/templates/sync`)).status).toBe(200);
  const contact = await client.post('/api/v1/contacts', { firstName: 'Lucía', phone: '+5491155550123' });
  expect(contact.status, contact.text).toBe(201);
  const conversation = await client.post('/api/v1/conversations', { contactId: contact.body.id, channelId: channel.body.id });
  expect((await client.get(`/api/v1/conversations/${conversation.body.id}/composer`)).body).toMatchObject({ mode: 'template', templates: [{ name: 'promo_foto', headerFormat: 'IMAGE', bodyParameters: 1 }, { name: 'titulo', headerFormat: 'TEXT' }, { name: 'sin_detalle' }] });
  return { client, user, conversationId: conversation.body.id as string };
}

describe('inbox template replies with a media header', () => {
  it("sends the attached image as the template's header: uploaded to Meta, then sent by its id, byte for byte", async () => {
    const { client, user, conversationId } = await closedWindowConversation();
    const fileId = await upload(client, 'promo.jpg', 'image/jpeg', jpeg);
    const before = graph.requests.length;
    const sent = await client.post(`/api/v1/conversations/${conversationId}/messages`, { template: { name: 'promo_foto', language: 'es_AR', parameters: ['Lucía'] }, media: [{ blobId: fileId }] });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body).toMatchObject({ type: 'template', status: 'queued', template: { name: 'promo_foto', parameters: ['Lucía'] }, media: [{ blobId: fileId, mimeType: 'image/jpeg', fileName: 'promo.jpg' }] });
    await t.runtime.modules.messaging.outbound.drain(user.tenantId);

    const calls = graph.requests.slice(before);
    expect(calls.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/media`)).toMatchObject({ status: 200, form: { messaging_product: 'whatsapp', type: 'image/jpeg' }, file: { name: 'promo.jpg', type: 'image/jpeg', size: jpeg.length } });
    const send = calls.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages`);
    // Accepted by the fake, which checks the send against the template's components as Meta does.
    expect(send?.status).toBe(200);
    const id = send!.json.template.components[0].parameters[0].image.id;
    expect(send!.json).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5491155550123',
      type: 'template',
      template: {
        name: 'promo_foto',
        language: { code: 'es_AR' },
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { id } }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Lucía' }] },
        ],
      },
    });
    const meta = (await (await fetch(`${graph.baseUrl}/v23.0/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { url: string };
    const held = Buffer.from(await (await fetch(meta.url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
    expect(held.equals(jpeg)).toBe(true);
    const thread = await client.get(`/api/v1/conversations/${conversationId}/messages`);
    expect(thread.body.items).toHaveLength(1);
    expect(thread.body.items[0]).toMatchObject({ type: 'template', status: 'sent', media: [{ blobId: fileId, mimeType: 'image/jpeg' }] });
  });

  it('refuses, with a 400 and its reason, a file the template header cannot take or a media header without its file, and queues nothing', async () => {
    const { client, conversationId } = await closedWindowConversation();
    const image = await upload(client, 'promo.jpg', 'image/jpeg', jpeg);
    const document = await upload(client, 'folleto.pdf', 'application/pdf', pdf);
    const refusals = [
      { body: { template: { name: 'promo_foto', language: 'es_AR', parameters: ['Lucía'] } }, reason: 'template_header_needs_media', says: /IMAGE header: attach the file/ },
      { body: { template: { name: 'promo_foto', language: 'es_AR', parameters: ['Lucía'] }, media: [{ blobId: document }] }, reason: 'template_header_media_type', says: /cannot carry a application\/pdf file \(JPEG or PNG only\)/ },
      { body: { template: { name: 'titulo', language: 'es_AR', parameters: [] }, media: [{ blobId: image }] }, reason: 'template_header_takes_no_media', says: /TEXT header and takes no file/ },
      { body: { template: { name: 'sin_detalle', language: 'es_AR', parameters: [] }, media: [{ blobId: image }] }, reason: 'template_header_unknown', says: /sync the number's templates/ },
      { body: { template: { name: 'promo_foto', language: 'es_AR', parameters: [] }, media: [{ blobId: image }] }, reason: 'template_parameter_count', says: /takes 1 body parameter\(s\), not 0/ },
    ];
    for (const r of refusals) {
      const res = await client.post(`/api/v1/conversations/${conversationId}/messages`, r.body);
      expect({ reason: r.reason, status: res.status }).toEqual({ reason: r.reason, status: 400 });
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { reason: r.reason } });
      expect(res.body.error.message).toMatch(r.says);
    }
    expect((await client.get(`/api/v1/conversations/${conversationId}/messages`)).body.items).toEqual([]);
    // The template without a header format known still goes without a file, as before.
    expect((await client.post(`/api/v1/conversations/${conversationId}/messages`, { template: { name: 'sin_detalle', language: 'es_AR', parameters: [] } })).status).toBe(202);
  });
});
