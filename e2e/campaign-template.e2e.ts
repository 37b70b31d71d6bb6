import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, screenshot, waitSignedIn } from './browser';
import { apiPost, OWNER, pickLanguage, useServerAndBrowser } from './flows';

/**
 * A campaign whose WhatsApp template Meta paused: its page says so before launch (in English and
 * Spanish), the launch is refused with the reason, and once Meta reinstates the template the warning
 * goes and the campaign can be launched. The webhooks are signed as Meta signs them.
 */
const APP_SECRET = 'e2e-template-app-secret';
const e2e = useServerAndBrowser({ workspace: {} });

async function templateWebhook(channelId: string, event: string) {
  const raw = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', time: Math.floor(Date.now() / 1000), changes: [{ field: 'message_template_status_update', value: { event, message_template_id: 9100, message_template_name: 'seguimiento', message_template_language: 'es_AR', reason: event === 'PAUSED' ? 'LOW_QUALITY' : null } }] }],
  });
  const res = await fetch(`${e2e.server.url}/webhooks/whatsapp/${channelId}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}` } });
  expect(res.status, await res.text()).toBe(200);
}

/** Until the campaign's template shows `status` on its number (the webhook is processed by a background drain). */
async function untilTemplateStatus(page: Page, campaignId: string, status: string) {
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/campaigns/${campaignId}`)).json()) as { templateHealth?: { status: string | null }[] }).templateHealth?.[0]?.status, { timeout: 30_000, interval: 250 })
    .toBe(status);
}

describe('a campaign whose WhatsApp template Meta paused, in the browser', () => {
  it('warns before launch, refuses the launch, and launches once Meta approves the template again', async () => {
    const { page, context } = await e2e.newContext({ viewport: DESKTOP, theme: 'light' });
    await page.goto('/');
    await page.getByLabel(/Email or username/).fill('olga');
    await page.getByLabel(/^Password$/).fill(OWNER.password);
    await page.getByRole('button', { name: /^Sign in$/ }).click();
    await waitSignedIn(page);

    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', {
      kind: 'whatsapp_cloud',
      name: 'Ventas WhatsApp',
      config: { phoneNumberId: '106540352242977', businessAccountId: '102290129340398', accessToken: 'EAAG-e2e-token', appSecret: APP_SECRET, verifyToken: 'e2e-verify-token', apiBaseUrl: 'https://graph.example.test' },
    });
    const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: 'Ana', phone: '+5491144445599' });
    await apiPost(page, `/api/v1/contacts/${contact.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
    const template = await apiPost<{ id: string }>(page, '/api/v1/templates', { name: 'Seguimiento', body: 'Hola {{firstName}}', whatsappTemplate: { name: 'seguimiento', language: 'es_AR', parameters: ['{{firstName}}'] } });
    const campaign = await apiPost<{ id: string }>(page, '/api/v1/campaigns', {
      name: 'Seguimiento de abril',
      templateId: template.id,
      channelIds: [channel.id],
      audience: { contactIds: [contact.id] },
      minScore: 0,
      schedule: { at: new Date(Date.now() + 86_400_000).toISOString() },
      pacing: { mode: 'fixed', delaySeconds: 60 },
    });

    await templateWebhook(channel.id, 'PAUSED');
    await untilTemplateStatus(page, campaign.id, 'PAUSED');
    await page.goto(`/campaigns/${campaign.id}`);
    const blocked = page.locator('[data-testid="template-blocked"][data-status="PAUSED"]');
    await blocked.waitFor();
    await page.getByText('The WhatsApp template seguimiento (es_AR) is not approved on Ventas WhatsApp').waitFor();
    expect(await blocked.textContent()).toBe('Meta lists it as PAUSED. The campaign cannot be launched until Meta approves it.');
    await screenshot(page, 'campaign-template-paused-en');

    // Scheduling it anyway is refused, saying why.
    await page.getByRole('button', { name: /^Schedule$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Schedule' }).click();
    await page.getByText(/The WhatsApp template "seguimiento" \(es_AR\) is not approved by Meta on Ventas WhatsApp \(PAUSED\)/).first().waitFor();
    // The confirmation stays open on a failed launch: closed by hand.
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await page.locator('[data-testid="campaign-status"][data-status="draft"]').waitFor();

    // In Spanish.
    await pickLanguage(page, 'Español');
    await page.getByText('La plantilla de WhatsApp seguimiento (es_AR) no está aprobada en Ventas WhatsApp').waitFor();
    expect(await blocked.textContent()).toBe('Meta la marca como PAUSED. La campaña no se puede lanzar hasta que Meta la apruebe.');
    await screenshot(page, 'campaign-template-paused-es');
    // Refused in the reader's language: the web's own words, filled from the refusal's details.
    await page.getByRole('button', { name: /^Programar$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Programar' }).click();
    await page.getByText(/Meta no aprobó la plantilla de WhatsApp "seguimiento" \(es_AR\) en Ventas WhatsApp \(PAUSED\)/).first().waitFor();
    await screenshot(page, 'campaign-template-refused-es');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancelar' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await pickLanguage(page, 'English');

    // Meta reinstates it: the warning goes, and the campaign can be scheduled.
    await templateWebhook(channel.id, 'REINSTATED');
    await untilTemplateStatus(page, campaign.id, 'APPROVED');
    await page.reload();
    await page.locator('[data-testid="campaign-status"][data-status="draft"]').waitFor();
    expect(await page.getByTestId('template-blocked').count()).toBe(0);
    await page.getByRole('button', { name: /^Schedule$/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Schedule' }).click();
    await page.locator('[data-testid="campaign-status"][data-status="scheduled"]').waitFor();
    await context.close();
  }, 180_000);
});
