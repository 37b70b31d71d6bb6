import { describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, screenshot } from './browser';
import { useServerAndBrowser } from './flows';

// The server's WhatsApp Web sessions use the scripted socket (offers QR codes, never links): no
// test may reach WhatsApp. Honoured only under NODE_ENV=test, which the test runner sets.
const e2e = useServerAndBrowser({ workspace: {}, env: { LEADMASTER_WHATSAPP_WEB_DRIVER: 'scripted' } });

describe('channels in the browser', () => {
  it('adds a Sandbox channel, tests it and sees it listed', async () => {
    const { page, console } = await e2e.signedInPage();
    await page.goto('/channels');
    await page.getByRole('heading', { name: 'No channels yet' }).waitFor();
    await screenshot(page, 'channels-empty-desktop-dark');

    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('radio', { name: /Sandbox/ }).click();
    await page.getByLabel('Name').fill('Demo sandbox');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('heading', { name: 'Demo sandbox is connected' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connection works|The connection test failed/).first().waitFor();
    await screenshot(page, 'channels-created-sandbox-desktop-dark');
    await page.getByRole('button', { name: 'Done' }).click();

    const rows = page.getByTestId('channel-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Demo sandbox');
    expect(await rows.first().textContent()).toContain('Active');
    expect(console.errors).toEqual([]);
  });

  it('validates the WhatsApp Cloud API form before sending it', async () => {
    const { page } = await e2e.signedInPage();
    await page.goto('/channels');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('radio', { name: /WhatsApp Cloud API/ }).click();
    await page.getByLabel('Phone number ID').fill('12ab');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByText('Digits only (5 to 30)').first().waitFor();
    await page.getByText('At least 8 characters').waitFor();
    await page.getByRole('switch', { name: /also used in the WhatsApp Business app/ }).click();
    await page.getByLabel('Messages per second').fill('50');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByText('A whole number from 1 to 20').waitFor();
    await screenshot(page, 'channels-cloud-form-desktop-dark');
  });

  it('shows the WhatsApp Web session live: starting, then a QR code to scan', async () => {
    const { page, console } = await e2e.signedInPage({ theme: 'light' });
    await page.goto('/channels');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('radio', { name: /WhatsApp Web/ }).click();
    await page.getByLabel('Name').fill('Reception phone');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('link', { name: 'Show the QR code' }).click();
    await page.getByRole('heading', { name: 'WhatsApp Web session' }).waitFor();
    const state = page.getByTestId('session-state');
    expect(['INITIALIZING', 'QR_REQUIRED']).toContain(await state.getAttribute('data-state'));
    await page.locator('[data-testid="session-state"][data-state="QR_REQUIRED"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('session-qr').waitFor();
    expect(await page.getByText('point the camera at this code').count()).toBe(1);
    await page.getByText(/Sending is disabled on purpose/).waitFor();
    await screenshot(page, 'channels-whatsapp-web-qr-desktop-light');

    // The QR image endpoint answers a PNG while the session waits.
    const id = new URL(page.url()).pathname.split('/').pop();
    const png = await page.request.get(`/api/v1/channels/${id}/session/qr`);
    expect(png.headers()['content-type']).toBe('image/png');
    expect(console.errors).toEqual([]);
  });

  it('connects a WhatsApp Cloud API number: webhook guidance, sending speed, templates; BlueBubbles shows its secret URL once', async () => {
    const { page, console } = await e2e.signedInPage();
    await page.goto('/channels');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('radio', { name: /WhatsApp Cloud API/ }).click();
    await page.getByLabel('Name').fill('Ventas AR');
    await page.getByLabel('Phone number ID').fill('106540352242922');
    await page.getByLabel('WhatsApp Business account ID').fill('102290129340398');
    await page.getByLabel('Access token').fill('EAAG-not-a-real-token');
    await page.getByLabel('App secret').fill('not-a-real-app-secret');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('heading', { name: 'Ventas AR is connected' }).waitFor();
    const url = await page.getByTestId('webhook-url').textContent();
    expect(url).toMatch(/\/webhooks\/whatsapp\/[0-9a-f-]{36}$/);
    // No "Test connection" click here: it would call Meta's servers.
    await page.getByRole('link', { name: 'Open the channel' }).click();
    await page.getByRole('heading', { name: 'Sending speed' }).waitFor();
    expect(await page.getByLabel('Messages per second').inputValue()).toBe('80');
    await page.getByLabel('Messages per second').fill('250');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Sending speed saved.', { exact: true }).waitFor();
    await page.getByText('Never synced: press “Sync from Meta”.').waitFor();
    await screenshot(page, 'channels-cloud-detail-desktop-dark');
    await page.reload();
    await page.getByRole('heading', { name: 'Sending speed' }).waitFor();
    expect(await page.getByLabel('Messages per second').inputValue()).toBe('250');

    await page.goto('/channels');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('radio', { name: /BlueBubbles/ }).click();
    await page.getByLabel('Server URL').fill('not a url');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByText('Enter a full URL starting with http:// or https://').waitFor();
    await page.getByLabel('Server URL').fill('https://mac.example.test:1234');
    await page.getByLabel('Server password').fill('not-a-real-password');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByText('This URL holds a secret and is shown only now.').waitFor();
    expect(await page.getByTestId('webhook-url').textContent()).toMatch(/\/webhooks\/bluebubbles\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{20,}$/);
    await screenshot(page, 'channels-bluebubbles-created-desktop-dark');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(console.errors).toEqual([]);
  });

  it('looks right on a phone and in Spanish', async () => {
    const { page } = await e2e.signedInPage({ viewport: PHONE, theme: 'dark' });
    await page.goto('/channels');
    await page.getByTestId('channel-row').first().waitFor();
    await screenshot(page, 'channels-list-phone-dark');
    await page.getByTestId('channel-row').filter({ hasText: 'Reception phone' }).getByRole('link').click();
    await page.getByTestId('session-qr').waitFor({ timeout: 30_000 });
    await screenshot(page, 'channels-whatsapp-web-qr-phone-dark');
    await page.goto('/channels');
    await page.getByTestId('channel-row').filter({ hasText: 'Ventas AR' }).getByRole('link').click();
    await page.getByRole('heading', { name: 'Sending speed' }).waitFor();
    await screenshot(page, 'channels-cloud-detail-phone-dark');

    // In Spanish (the account's language, picked from the account menu).
    const es = await e2e.signedInPage({ viewport: DESKTOP, theme: 'light' });
    await es.page.getByRole('button', { name: 'Account menu' }).first().click();
    await es.page.getByRole('menuitemradio', { name: 'Español' }).click();
    await es.page.goto('/channels');
    await es.page.getByRole('heading', { name: 'Canales' }).waitFor();
    await es.page.getByTestId('channel-row').filter({ hasText: 'Reception phone' }).getByText('Escanear QR').waitFor();
    await screenshot(es.page, 'channels-list-desktop-light-es');
    await es.page.getByTestId('channel-row').filter({ hasText: 'Reception phone' }).getByRole('link').click();
    await es.page.getByText('Esperando que se escanee el código QR').waitFor({ timeout: 30_000 });
    await screenshot(es.page, 'channels-whatsapp-web-qr-desktop-light-es');
  });
});
