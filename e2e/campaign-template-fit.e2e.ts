import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph } from '../apps/server/test/fakes/graph';
import { screenshot } from './browser';
import { apiPost, pickLanguage, useServerAndBrowser } from './flows';

/**
 * A campaign template that does not fit the WhatsApp template it maps (decision 0050): the editor
 * saves it (templates are drafted before their file is ready) with a warning that cannot be missed,
 * and a campaign with it cannot be launched, saying why; once fixed, it launches and the TEXT
 * header's variable reaches the (fake) Graph API. In English and Spanish.
 */
const TOKEN = 'EAAG-e2e-template-fit';
const PHONE_NUMBER_ID = '106540352249050';
const WABA_ID = '102290129349050';
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
beforeAll(async () => {
  graph = await startFakeGraph({ accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID });
  graph.setTemplates([
    { name: 'promo_foto', language: 'es_AR', category: 'MARKETING', status: 'APPROVED', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hola, mirá la promo' }] },
    { name: 'pedido_listo', language: 'es_AR', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'HEADER', format: 'TEXT', text: 'Hola {{1}}' }, { type: 'BODY', text: 'Tu pedido de {{1}} está listo' }] },
  ]);
});
afterAll(async () => {
  await graph?.close();
});
const e2e = useServerAndBrowser({ workspace: {}, env: { NODE_ENV: 'test', LEADMASTER_TEST_PRIVATE_HOSTS: '127.0.0.1' } });

describe('a campaign template that does not fit its WhatsApp template, in the browser', () => {
  it('is saved with an unmissable warning; its campaign is refused at launch saying why; fixed, it sends the header text', async () => {
    const { page, console } = await e2e.signedInPage();
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Pedidos WhatsApp',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'e2e-fit-app-secret', verifyToken: 'e2e-verify-token', apiBaseUrl: graph.baseUrl },
    });
    await apiPost(page, `/api/v1/channels/${channel.id}/templates/sync`, {});

    // A template drafted before its image is ready: the editor says it does not fit, and saves it.
    await page.goto('/campaigns/templates/new');
    await page.getByLabel('Template name').fill('Promo sin foto');
    await page.getByTestId('template-body').fill('Hola {{firstName}}');
    await page.getByRole('button', { name: 'Map to an approved template' }).click();
    await page.getByRole('combobox', { name: 'Approved template' }).click();
    await page.getByRole('option', { name: 'promo_foto (es_AR) · Image' }).click();
    const warning = page.getByTestId('template-fit-warning');
    await warning.waitFor();
    expect(await warning.getAttribute('data-problems')).toBe('template_header_needs_media');
    await page.getByText('This template does not fit the WhatsApp template promo_foto (es_AR)').waitFor();
    expect(await warning.textContent()).toBe(
      'Its header sends an image (JPEG or PNG), and this template has no file: attach it above.You can save it as a draft, but no campaign with it can be launched or resumed until it fits: Meta would refuse every message.',
    );
    await screenshot(page, 'campaign-template-fit-warning-en');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/\/campaigns\/templates\/[0-9a-f-]{36}$/);
    await page.getByText('It does not fit its WhatsApp template yet: campaigns with it cannot be launched until it does.').first().waitFor();
    await warning.waitFor();
    await screenshot(page, 'campaign-template-fit-saved-en');

    // A template mapped (through the API) to a template whose title has a variable, without filling it.
    const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: 'Lucía', company: 'Taller Sur', phone: '+5491144449090' });
    await apiPost(page, `/api/v1/contacts/${contact.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
    const template = await apiPost<{ id: string }>(page, '/api/v1/templates', { name: 'Pedido listo', body: 'Hola {{firstName}}', whatsappTemplate: { name: 'pedido_listo', language: 'es_AR', parameters: ['{{company}}'] } });
    const campaign = await apiPost<{ id: string }>(page, '/api/v1/campaigns', { name: 'Pedidos de la semana', templateId: template.id, channelIds: [channel.id], audience: { contactIds: [contact.id] }, minScore: 0 });
    await page.goto(`/campaigns/${campaign.id}`);
    const problem = page.locator('[data-testid="template-parameter-problem"][data-reason="template_header_parameters"]');
    await problem.waitFor();
    await page.getByText('The template’s WhatsApp parameters do not fit pedido_listo (es_AR) on Pedidos WhatsApp').waitFor();
    await page.getByRole('button', { name: /^Launch$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Launch' }).click();
    await page
      .getByText('The WhatsApp template "pedido_listo" (es_AR) has a variable in its title: fill in the header text (in a campaign, in its template’s WhatsApp mapping). (Campaign numbers: Pedidos WhatsApp.)')
      .first()
      .waitFor();
    await screenshot(page, 'campaign-template-fit-refused-en');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });

    // The same in Spanish: the campaign's page, its refusal, and the editor's warning.
    await pickLanguage(page, 'Español');
    await page.getByText('Los parámetros de WhatsApp de la plantilla no encajan con pedido_listo (es_AR) en Pedidos WhatsApp').waitFor();
    await page.getByRole('button', { name: /^Lanzar$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Lanzar' }).click();
    await page.getByText(/La plantilla de WhatsApp "pedido_listo" \(es_AR\) tiene una variable en su título: completa el texto del encabezado/).first().waitFor();
    await screenshot(page, 'campaign-template-fit-refused-es');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancelar' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });

    await page.goto(`/campaigns/templates/${template.id}`);
    await page.getByText('Esta plantilla no encaja con la plantilla de WhatsApp pedido_listo (es_AR)').waitFor();
    await page.getByText('Su título tiene una variable: completa el texto del encabezado arriba.').waitFor();
    await screenshot(page, 'campaign-template-fit-warning-es');
    // Fixed: the header text from the contact's first name; the warning goes, the save is a plain one.
    await page.getByTestId('whatsapp-header-parameter').fill('{{firstName|cliente}}');
    await expect.poll(() => page.getByTestId('template-fit-warning').count()).toBe(0);
    await page.getByRole('button', { name: 'Guardar cambios' }).click();
    await page.getByText('Plantilla guardada').first().waitFor();
    await screenshot(page, 'campaign-template-fit-fixed-es');

    await page.goto(`/campaigns/${campaign.id}`);
    await page.locator('[data-testid="campaign-status"][data-status="draft"]').waitFor();
    expect(await page.getByTestId('template-parameter-problem').count()).toBe(0);
    await page.getByRole('button', { name: /^Lanzar$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Lanzar' }).click();
    await page.locator('[data-testid="campaign-status"]:not([data-status="draft"])').waitFor();
    // What Meta received: the title's variable, filled for Lucía.
    await expect
      .poll(() => graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages` && r.json?.template?.name === 'pedido_listo')?.status, { timeout: 30_000 })
      .toBe(200);
    const send = graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages` && r.json?.template?.name === 'pedido_listo');
    expect(send!.json.template.components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'Lucía' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Taller Sur' }] },
    ]);
    await pickLanguage(page, 'English');
    expect(console.errors.filter((e) => !e.includes('409'))).toEqual([]);
  }, 240_000);

  it("asks for the title's variable in an inbox template reply and sends it in the header", async () => {
    const { page, console } = await e2e.signedInPage();
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Respuestas WhatsApp',
      config: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA_ID, accessToken: TOKEN, appSecret: 'e2e-fit-app-secret', verifyToken: 'e2e-verify-token', apiBaseUrl: graph.baseUrl },
    });
    await apiPost(page, `/api/v1/channels/${channel.id}/templates/sync`, {});
    const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: 'Nora', phone: '+5491144449191' });
    const conversation = await apiPost<{ id: string }>(page, '/api/v1/conversations', { contactId: contact.id, channelId: channel.id });
    await page.goto(`/inbox?c=${conversation.id}`);
    const picker = page.getByTestId('template-picker');
    await picker.waitFor();
    await picker.getByRole('combobox', { name: 'Template' }).click();
    await page.getByRole('option', { name: 'pedido_listo (es_AR)' }).click();
    const header = picker.getByTestId('template-header-parameter');
    await header.waitFor();
    await picker.getByLabel('Parameter 1').fill('Taller Norte');
    const sendTemplate = page.getByRole('button', { name: 'Send template' });
    // Not sent without the title's text (Meta would refuse it with 132000).
    expect(await sendTemplate.isDisabled()).toBe(true);
    await header.fill('Nora');
    await screenshot(page, 'inbox-template-header-text-en');
    await sendTemplate.click();
    await expect
      .poll(() => graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages` && r.json?.to === '5491144449191')?.status, { timeout: 30_000 })
      .toBe(200);
    const send = graph.requests.find((r) => r.path === `/v23.0/${PHONE_NUMBER_ID}/messages` && r.json?.to === '5491144449191');
    expect(send!.json.template.components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'Nora' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Taller Norte' }] },
    ]);
    await pickLanguage(page, 'Español');
    await picker.getByRole('combobox', { name: 'Plantilla' }).click();
    await page.getByRole('option', { name: 'pedido_listo (es_AR)' }).click();
    expect(await picker.getByTestId('template-header-parameter').getAttribute('aria-label')).toBe('Texto del encabezado (la variable del título)');
    await screenshot(page, 'inbox-template-header-text-es');
    await pickLanguage(page, 'English');
    expect(console.errors).toEqual([]);
  }, 120_000);
});
