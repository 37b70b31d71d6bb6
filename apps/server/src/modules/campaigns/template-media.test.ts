import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { startFakeGraph } from '../../../test/fakes/graph';
import { conversations } from '../messaging/messaging.tables';

/** A template's image goes out with each campaign message: uploaded to Meta, then sent by its id with the rendered caption. */
const TOKEN = 'EAAG-template-media-token';
const PHONE_NUMBER_ID = '106540352243111';
const WABA_ID = '102290129340411';
let t: TestApp;
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
beforeAll(async () => {
  t = await startTestApp();
  graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID });
  t.runtime.modules.channels.channels.allowPrivateHostsForTests(['127.0.0.1']);
});
afterAll(async () => {
  await graph?.close();
  await t?.close();
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
});
