import { describe, expect, it } from 'vitest';
import { screenshot } from './browser';
import { apiPost, pickLanguage, useServerAndBrowser } from './flows';

const e2e = useServerAndBrowser({ workspace: {} });

type Recipient = { contactId: string; contactName: string; status: string; messageId: string | null };

/**
 * A paused campaign holds the messages it had queued (decision 0052): in the inbox, a held message
 * says it waits for its campaign, and it goes — once — when the campaign is resumed, live.
 */
describe('pausing a campaign in the browser', () => {
  it('holds its queued messages, says so in the thread, and sends them on resume', async () => {
    const { page, console, context } = await e2e.signedInPage();
    // A Sandbox number that accepts one message a second, and ten people who agreed (ten seconds of
    // sends: a slow machine still pauses it with some queued).
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', { kind: 'sandbox', name: 'Sandbox lento', config: { messagesPerSecond: 1, deliveredAfterMs: 60_000, readAfterMs: 60_000 } });
    const names = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Fede', 'Gabi', 'Hugo', 'Inés', 'Juan'];
    const contactIds: string[] = [];
    for (const [i, firstName] of names.entries()) {
      const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName, lastName: 'Pausa', phone: `+54911455566${String(10 + i)}` });
      await apiPost(page, `/api/v1/contacts/${contact.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
      contactIds.push(contact.id);
    }
    const template = await apiPost<{ id: string }>(page, '/api/v1/templates', { name: 'Aviso', body: 'Hola {{firstName}}, ¿hablamos?' });
    const campaign = await apiPost<{ id: string }>(page, '/api/v1/campaigns', { name: 'Aviso a todos', templateId: template.id, channelIds: [channel.id], audience: { contactIds }, minScore: 0 });
    await apiPost(page, `/api/v1/campaigns/${campaign.id}/launch`, {});

    // Paused from its page as soon as the first message has gone.
    await page.goto(`/campaigns/${campaign.id}`);
    await expect.poll(async () => Number(await page.getByTestId('counter-sent').getAttribute('data-value')), { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    // (The page re-renders with each progress event: a click that lands as the button is replaced
    // opens nothing, so it is tried again until the confirmation is up.)
    const dialog = page.getByRole('alertdialog');
    for (let tries = 0; !(await dialog.isVisible()); tries++) {
      expect(tries, 'the Pause confirmation opens').toBeLessThan(5);
      await page.getByRole('button', { name: 'Pause' }).click({ timeout: 5_000 });
      await dialog.waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-testid="campaign-status"][data-status="paused"]').waitFor();
    // The page says what became of the messages already queued.
    await expect.poll(() => page.getByTestId('held-by-pause').textContent(), { timeout: 10_000 }).toMatch(/already queued when the campaign was paused: (it waits|they wait), and go(es)? when you resume/);
    await page.getByTestId('counter-queued').getByText('Held (paused)').waitFor();
    await screenshot(page, 'campaign-paused-held-desktop-dark');

    // One that was queued when the pause came (those a drain had already taken have gone in the
    // second after it): its thread says it waits for the campaign.
    await page.waitForTimeout(2_000);
    const recipients = async () => (await (await page.request.get(`/api/v1/campaigns/${campaign.id}/recipients?limit=50`)).json()) as { items: Recipient[] };
    const held = (await recipients()).items.find((r) => r.status === 'queued');
    expect(held, 'a recipient whose message was queued at the pause').toBeDefined();
    const sentBefore = (await recipients()).items.filter((r) => r.status === 'sent').length;
    await page.goto('/inbox');
    await page.getByTestId('conversation-row').filter({ hasText: held!.contactName }).click({ timeout: 10_000 });
    const note = page.getByTestId('held-by-campaign');
    await note.getByText('Waiting: its campaign is paused. It goes when the campaign is resumed.').waitFor();
    await screenshot(page, 'inbox-held-by-campaign-desktop-dark');
    // Nothing more leaves while it is paused.
    await page.waitForTimeout(2_500);
    expect((await recipients()).items.filter((r) => r.status === 'sent').length).toBe(sentBefore);
    await pickLanguage(page, 'Español');
    await note.getByText('En espera: su campaña está en pausa. Sale cuando se reanude la campaña.').waitFor();
    await pickLanguage(page, 'English');

    // Resumed: the note goes away in the open thread and the message is sent; everyone gets one message.
    await apiPost(page, `/api/v1/campaigns/${campaign.id}/resume`, {});
    await note.waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(async () => (await recipients()).items.filter((r) => r.status === 'sent').length, { timeout: 45_000, interval: 250 }).toBe(names.length);
    const messageIds = (await recipients()).items.map((r) => r.messageId);
    expect(new Set(messageIds).size).toBe(names.length);
    expect(console.errors).toEqual([]);
    await context.close();
  });
});
