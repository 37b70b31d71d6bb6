import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph } from '../apps/server/test/fakes/graph';
import { screenshot } from './browser';
import { apiPost, pickLanguage, useServerAndBrowser } from './flows';
import { gradientPng } from './images';

/**
 * Outside WhatsApp's 24-hour window the inbox composer is a template picker: choosing a template
 * whose header is an image asks for the image, and the reply goes to the (fake) Graph API with the
 * image uploaded and sent as the template's header. The product process may call the fake on
 * loopback only because it runs with NODE_ENV=test and LEADMASTER_TEST_PRIVATE_HOSTS.
 */
const TOKEN = 'EAAG-e2e-template-header';
const PHONE_NUMBER_ID = '106540352249001';
const WABA_ID = '102290129349001';
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
beforeAll(async () => {
  graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID });
  graph.setTemplates([
    { name: 'promo_foto', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hola {{1}}, mirá la promo de la semana' }] },
    { name: 'seguimiento', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: '¿Pudiste ver nuestra propuesta?' }] },
  ]);
});
afterAll(async () => {
  await graph?.close();
});
const e2e = useServerAndBrowser({ workspace: {}, env: { NODE_ENV: 'test', LEADMASTER_TEST_PRIVATE_HOSTS: '127.0.0.1' } });

describe('an inbox reply with a media-header template, in the browser', () => {
  it('asks for the header image, sends it with the template through the Cloud API, and shows it in the thread', async () => {
    const { page, console } = await e2e.signedInPage();
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas WhatsApp',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'e2e-header-app-secret', verifyToken: 'e2e-verify-token', apiBaseUrl: graph.baseUrl },
    });
    await apiPost(page, `/api/v1/channels/${channel.id}/templates/sync`, {});
    const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: 'Lucía', lastName: 'Gómez', phone: '+5491144448888' });
    const conversation = await apiPost<{ id: string }>(page, '/api/v1/conversations', { contactId: contact.id, channelId: channel.id });

    // Lucía never wrote: the composer is a template picker.
    await page.goto(`/inbox?c=${conversation.id}`);
    const picker = page.getByTestId('template-picker');
    await picker.waitFor();
    await picker.getByRole('combobox', { name: 'Template' }).click();
    await page.getByRole('option', { name: 'promo_foto (es_AR) · image header' }).click();
    // It asks for the image, and offers the one parameter the body takes.
    const headerFile = page.getByTestId('template-header-file');
    await headerFile.getByText('This template sends an image (JPEG or PNG) in its header: attach it.').waitFor();
    expect(await picker.getByLabel(/^Parameter \d$/).count()).toBe(1);
    const sendTemplate = page.getByRole('button', { name: 'Send template' });
    expect(await sendTemplate.isDisabled()).toBe(true);
    await picker.getByLabel('Parameter 1').fill('Lucía');

    const image = gradientPng(640, 360, (x, y) => [240, Math.round((200 * x) / 640), Math.round((255 * y) / 360)]);
    await headerFile.getByLabel('Attach a file').first().setInputFiles({ name: 'promo-semana.png', mimeType: 'image/png', buffer: image });
    await page.getByTestId('attachment').getByText('promo-semana.png').waitFor();
    await headerFile.getByText('Sent as the template’s header.').waitFor();
    await screenshot(page, 'inbox-template-header-attached-desktop-dark');
    await sendTemplate.click();

    // In the thread: the image with the template's name and parameter, sent through the Cloud API.
    const sent = page.getByTestId('message').filter({ hasText: 'promo_foto' });
    await sent.locator('img').waitFor();
    await sent.getByText('Lucía', { exact: false }).waitFor();
    await sent.locator('[data-testid="message-status"][data-status="sent"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => sent.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('attachment').count()).toBe(0);
    await screenshot(page, 'inbox-template-header-sent-desktop-dark');

    // What Meta received: the image uploaded, then the template with it as the header's parameter.
    const send = graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages` && r.json?.type === 'template');
    expect(send?.status).toBe(200);
    const id = send!.json.template.components[0].parameters[0].image.id;
    expect(send!.json.template).toEqual({
      name: 'promo_foto',
      language: { code: 'es_AR' },
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { id } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Lucía' }] },
      ],
    });
    const meta = (await (await fetch(`${graph.baseUrl}/v23.0/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { url: string; mime_type: string };
    expect(meta.mime_type).toBe('image/png');
    expect(Buffer.from(await (await fetch(meta.url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer()).equals(image)).toBe(true);

    // A template without a media header asks for no file.
    await picker.getByRole('combobox', { name: 'Template' }).click();
    await page.getByRole('option', { name: 'seguimiento (es_AR)' }).click();
    expect(await page.getByTestId('template-header-file').count()).toBe(0);
    expect(console.errors).toEqual([]);
  }, 180_000);

  it("warns on a campaign whose template has no file for the Meta template's image header, and refuses its launch, in English and Spanish", async () => {
    const { page, console } = await e2e.signedInPage();
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Promos WhatsApp',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'e2e-header-app-secret', verifyToken: 'e2e-verify-token', apiBaseUrl: graph.baseUrl },
    });
    await apiPost(page, `/api/v1/channels/${channel.id}/templates/sync`, {});
    const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: 'Mateo', phone: '+5491144448899' });
    await apiPost(page, `/api/v1/contacts/${contact.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
    // Mapped to the image-header template, but without an image.
    const template = await apiPost<{ id: string }>(page, '/api/v1/templates', { name: 'Promo sin foto', body: 'Hola {{firstName}}', whatsappTemplate: { name: 'promo_foto', language: 'es_AR', parameters: ['{{firstName}}'] } });
    const campaign = await apiPost<{ id: string }>(page, '/api/v1/campaigns', { name: 'Promo de la semana', templateId: template.id, channelIds: [channel.id], audience: { contactIds: [contact.id] }, minScore: 0 });

    // The number's template list says what each header takes.
    await page.goto(`/channels/${channel.id}`);
    const row = page.getByRole('row').filter({ hasText: 'promo_foto' });
    expect(await row.getByTestId('template-header-format').textContent()).toBe('Image');
    expect(await page.getByRole('row').filter({ hasText: 'seguimiento' }).getByTestId('template-header-format').textContent()).toBe('None');
    await screenshot(page, 'channel-templates-header-formats');

    await page.goto(`/campaigns/${campaign.id}`);
    const warning = page.locator('[data-testid="template-media-problem"][data-reason="template_header_needs_media"]');
    await warning.waitFor();
    await page.getByText('The template’s file does not fit the WhatsApp template promo_foto (es_AR) on Promos WhatsApp').waitFor();
    expect(await warning.textContent()).toBe(
      'Meta’s template sends an image (JPEG or PNG) in its header, and this campaign’s template has no file: attach one to the template, or map a WhatsApp template without a media header. Meta would refuse every message, so the campaign cannot be launched or resumed until it is fixed.',
    );
    await page.getByRole('button', { name: /^Launch$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Launch' }).click();
    await page.getByText('The WhatsApp template "promo_foto" (es_AR) has an image (JPEG or PNG) in its header: attach one to send it. (Campaign numbers: Promos WhatsApp.)').first().waitFor();
    await screenshot(page, 'campaign-template-header-refused-en');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });

    await pickLanguage(page, 'Español');
    await page.getByText('El archivo de la plantilla no encaja con la plantilla de WhatsApp promo_foto (es_AR) en Promos WhatsApp').waitFor();
    await page.getByRole('button', { name: /^Lanzar$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Lanzar' }).click();
    await page.getByText('La plantilla de WhatsApp "promo_foto" (es_AR) lleva una imagen (JPEG o PNG) en su encabezado: adjunta ese archivo para enviarla. (Números de la campaña: Promos WhatsApp.)').first().waitFor();
    await screenshot(page, 'campaign-template-header-refused-es');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancelar' }).click();
    await pickLanguage(page, 'English');
    await page.locator('[data-testid="campaign-status"][data-status="draft"]').waitFor();
    expect(console.errors.filter((e) => !e.includes('409'))).toEqual([]);
  }, 180_000);
});

describe('inbound media in the browser', () => {
  it('shows an inbound image as downloading, then the picture once LeadMaster has copied it, without a reload', async () => {
    const { page, console } = await e2e.signedInPage();
    const appSecret = 'e2e-inbound-media-secret';
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Entrantes WhatsApp',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret, verifyToken: 'e2e-verify-token', apiBaseUrl: graph.baseUrl },
    });
    const photo = gradientPng(400, 240);
    graph.addMedia('e2e-inbound-photo', photo, 'image/png');
    // Meta answers the media lookup slowly: the thread shows the message before its picture is here.
    graph.failNext({ kind: 'delay', ms: 3000 });
    const from = '5491144447711';
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID }, contacts: [{ wa_id: from, profile: { name: 'Nora Díaz' } }], messages: [{ from, id: 'wamid.e2e-photo', timestamp: String(Math.floor(Date.now() / 1000)), type: 'image', image: { id: 'e2e-inbound-photo', mime_type: 'image/png', caption: 'El modelo que quiero' } }] } }] }],
    });
    const res = await fetch(`${e2e.server.url}/webhooks/whatsapp/${channel.id}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}` } });
    expect(res.status, await res.text()).toBe(200);

    await page.goto('/inbox');
    await page.getByText('Nora Díaz').first().click();
    const message = page.getByTestId('message').filter({ hasText: 'El modelo que quiero' });
    await message.getByText('downloading…', { exact: false }).waitFor();
    // The copy arrives over the realtime socket (message.updated): same page, no reload.
    await message.locator('img').waitFor({ timeout: 30_000 });
    await expect.poll(() => message.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(400);
    expect(await message.getByText('downloading…', { exact: false }).count()).toBe(0);
    await screenshot(page, 'inbox-inbound-media-copied-desktop-dark');
    expect(console.errors).toEqual([]);
  }, 120_000);
});
