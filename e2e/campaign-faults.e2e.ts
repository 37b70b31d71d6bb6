import { describe, expect, it } from 'vitest';
import { DESKTOP, waitSignedIn } from './browser';
import { apiPost, OWNER, useServerAndBrowser } from './flows';

/**
 * A campaign whose number's provider keeps failing (a Sandbox answering 130429 to every send): the
 * number's circuit breaker opens, the campaign page says its sends are on hold and that nothing is
 * lost; once the provider answers again the hold goes away and the campaign completes.
 */
const e2e = useServerAndBrowser({ workspace: {} });

describe('a campaign through a failing provider, in the browser', () => {
  it('shows the number’s sends on hold while its breaker is open, and completes after the provider recovers', async () => {
    const { page, context } = await e2e.newContext({ viewport: DESKTOP, theme: 'dark' });
    await page.goto('/');
    await page.getByLabel(/Email or username/).fill('olga');
    await page.getByLabel(/^Password$/).fill(OWNER.password);
    await page.getByRole('button', { name: /^Sign in$/ }).click();
    await waitSignedIn(page);

    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', { kind: 'sandbox', name: 'Flaky sandbox', config: { deliveredAfterMs: 300, readAfterMs: 900, failRate: 1, failCodes: ['130429'] } });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: `Ana ${i}`, company: 'Acme', phone: `+54911444455${String(10 + i)}` });
      await apiPost(page, `/api/v1/contacts/${contact.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
      ids.push(contact.id);
    }
    const template = await apiPost<{ id: string }>(page, '/api/v1/templates', { name: 'Hola', body: 'Hola {{firstName}}' });
    const campaign = await apiPost<{ id: string }>(page, '/api/v1/campaigns', {
      name: 'Proveedor inestable',
      templateId: template.id,
      channelIds: [channel.id],
      audience: { contactIds: ids },
      minScore: 0,
      pacing: { mode: 'fixed', delaySeconds: 0 },
      guardRails: { firstN: 100, maxFailureRate: 1, maxOptOutRate: 1 },
    });
    await apiPost(page, `/api/v1/campaigns/${campaign.id}/launch`, {});
    await page.goto(`/campaigns/${campaign.id}`);

    const hold = page.getByTestId('breaker-alert');
    await hold.waitFor({ timeout: 60_000 });
    await page.getByText('Sending on Flaky sandbox is on hold').waitFor();
    expect(await hold.textContent()).toMatch(/nothing is lost/i);
    await page.locator('[data-testid="campaign-status"][data-status="running"]').waitFor();
    // The number's own page says it is on hold too.
    await page.goto(`/channels/${channel.id}`);
    await page.locator('[data-testid="channel-breaker"]:not([data-breaker="closed"])').waitFor();
    await page.goto(`/campaigns/${campaign.id}`);
    await hold.waitFor();

    // The provider answers again: the probe goes through, the hold goes away, every message is sent.
    const patched = await page.request.patch(`/api/v1/channels/${channel.id}`, { data: { settings: { failRate: 0 } }, headers: { origin: e2e.server.url } });
    expect(patched.ok(), await patched.text()).toBe(true);
    await page.locator('[data-testid="campaign-status"][data-status="completed"]').waitFor({ timeout: 120_000 });
    await hold.waitFor({ state: 'detached', timeout: 30_000 });
    await context.close();
  }, 240_000);

  it('edits a BlueBubbles line’s pace and daily cap on its page', async () => {
    const { page, context } = await e2e.newContext({ viewport: DESKTOP, theme: 'light' });
    await page.goto('/');
    await page.getByLabel(/Email or username/).fill('olga');
    await page.getByLabel(/^Password$/).fill(OWNER.password);
    await page.getByRole('button', { name: /^Sign in$/ }).click();
    await waitSignedIn(page);
    const line = await apiPost<{ id: string }>(page, '/api/v1/channels', { kind: 'bluebubbles', name: 'iMessage oficina', config: { serverUrl: 'https://mac.example.test:1234', password: 'not-a-real-password' } });
    await page.goto(`/channels/${line.id}`);
    await page.getByText('Line limits').waitFor();
    expect(await page.getByLabel('Messages per second').inputValue()).toBe('1');
    expect(await page.getByLabel('Messages per day').inputValue()).toBe('300');
    await page.getByText('Sent today: 0 of 300').waitFor();
    await page.getByLabel('Messages per second').fill('9');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('A number from 0.05 to 5').waitFor();
    await page.getByLabel('Messages per second').fill('0.5');
    await page.getByLabel('Messages per day').fill('50');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Line limits saved.', { exact: true }).waitFor();
    await page.reload();
    expect(await page.getByLabel('Messages per second').inputValue()).toBe('0.5');
    expect(await page.getByLabel('Messages per day').inputValue()).toBe('50');
    await page.getByText('Sent today: 0 of 50').waitFor();
    await context.close();
  }, 120_000);
});
