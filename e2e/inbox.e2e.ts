import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { inPage, PHONE, screenshot } from './browser';
import { apiPost, useServerAndBrowser } from './flows';

const BRUNO = { name: 'Bruno Agent', email: 'bruno@acme.test', username: 'bruno', password: 'bruno-password-123' };
const e2e = useServerAndBrowser({ workspace: {} });

const row = (page: Page, text: string) => page.getByTestId('conversation-row').filter({ hasText: text });
const live = (page: Page) => page.locator('[data-testid="realtime-status"][data-status="open"]').first().waitFor();

describe('inbox in the browser', () => {
  let channelId: string;

  it('shows a Sandbox message to two users live; one replies, both see it read and the other sees the unread count drop', async () => {
    const olga = await e2e.signedInPage({ theme: 'dark' });
    const roles = await olga.page.request.get('/api/v1/roles').then((r) => r.json() as Promise<{ items: { id: string; builtin: string | null }[] }>);
    await apiPost(olga.page, '/api/v1/users', { ...BRUNO, roleId: roles.items.find((r) => r.builtin === 'agent')!.id });
    const bruno = await e2e.signedInPage({ login: 'bruno', password: BRUNO.password, theme: 'light' });

    const channel = await apiPost<{ id: string }>(olga.page, '/api/v1/channels', { kind: 'sandbox', name: 'Demo sandbox', config: { deliveredAfterMs: 300, readAfterMs: 900 } });
    channelId = channel.id;
    for (const { page } of [olga, bruno]) {
      await page.goto('/inbox');
      await page.getByRole('heading', { name: 'No conversations yet' }).waitFor();
      await live(page);
    }
    await screenshot(olga.page, 'inbox-empty-desktop-dark');

    await apiPost(olga.page, `/api/v1/channels/${channel.id}/sandbox/inbound`, { from: '+5491144445555', text: 'Hola, ¿tienen stock del plan anual? Me interesa' });
    for (const { page } of [olga, bruno]) {
      await row(page, 'tienen stock').waitFor();
      await page.locator('[data-testid="inbox-unread-total"][data-count="1"]').first().waitFor();
    }
    expect(await row(bruno.page, 'tienen stock').getAttribute('data-unread')).toBe('1');

    await row(olga.page, 'tienen stock').click();
    await olga.page.getByTestId('thread').getByText('Hola, ¿tienen stock del plan anual? Me interesa').waitFor();
    // Olga read it: her counter is gone, Bruno's is not.
    await olga.page.locator('[data-testid="inbox-unread-total"]').first().waitFor({ state: 'detached' });
    expect(await row(bruno.page, 'tienen stock').getAttribute('data-unread')).toBe('1');
    await olga.page.getByRole('button', { name: /^Add “Interested”\?$/ }).waitFor();
    await screenshot(olga.page, 'inbox-thread-desktop-dark');

    await olga.page.getByTestId('composer-input').fill('¡Hola! Sí, tenemos. ¿Te paso el precio? 🙌');
    await olga.page.getByTestId('composer-input').press('Enter');
    // The team answered: Bruno's unread drops without him opening anything.
    await bruno.page.locator('[data-testid="conversation-row"][data-unread="0"]').filter({ hasText: 'Te paso el precio' }).waitFor();
    await bruno.page.locator('[data-testid="inbox-unread-total"]').first().waitFor({ state: 'detached' });

    await row(bruno.page, 'Te paso el precio').click();
    for (const { page } of [olga, bruno]) {
      const sent = page.getByTestId('message').filter({ hasText: 'Te paso el precio' });
      await sent.locator('[data-testid="message-status"][data-status="read"]').waitFor({ timeout: 15_000 });
    }
    await screenshot(olga.page, 'inbox-read-desktop-dark');
    await screenshot(bruno.page, 'inbox-read-desktop-light');

    // Internal note: shown to the team, never sent.
    await bruno.page.getByRole('switch', { name: 'Internal note' }).click();
    await bruno.page.getByTestId('composer-input').fill('Llamar el lunes');
    await bruno.page.getByTestId('composer-input').press('Enter');
    await olga.page.locator('[data-testid="message"][data-direction="note"]').filter({ hasText: 'Llamar el lunes' }).waitFor();

    expect(olga.console.errors).toEqual([]);
    expect(bruno.console.errors).toEqual([]);
    await olga.context.close();
    await bruno.context.close();
  });

  it('renders hostile bodies and names as text: nothing runs', async () => {
    const { page, console, context } = await e2e.signedInPage({ theme: 'light' });
    await apiPost(page, '/api/v1/contacts', { firstName: '<img src=x onerror="window.__xss=1">', lastName: '<svg onload="window.__xss=2">', phone: '+54 9 11 4444 6666' });
    const hostile = ['<img src=x onerror="window.__xss=3">', '<svg onload="window.__xss=4"></svg>', '[click me](javascript:window.__xss=5)', 'javascript:window.__xss=6', '<a href="javascript:window.__xss=7">link</a>'];
    for (const text of hostile) await apiPost(page, `/api/v1/channels/${channelId}/sandbox/inbound`, { from: '+5491144446666', text });
    await page.goto('/inbox');
    await row(page, '<a href=').click();
    const thread = page.getByTestId('thread');
    for (const text of hostile) await thread.getByText(text, { exact: true }).waitFor();
    await thread.getByRole('heading', { name: '<img src=x onerror="window.__xss=1"> <svg onload="window.__xss=2">' }).waitFor();
    // Give any injected handler every chance to run, then look.
    await page.waitForTimeout(500);
    for (const link of await thread.getByRole('link').all()) expect(await link.getAttribute('href')).not.toMatch(/^javascript:/i);
    expect(await inPage(page, 'window.__xss ?? null')).toBeNull();
    expect(await page.locator('[data-testid="thread"] img[src="x"], [data-testid="conversation-list"] img[src="x"], [data-testid="thread"] svg[onload]').count()).toBe(0);
    await screenshot(page, 'inbox-hostile-desktop-light');
    expect(console.errors).toEqual([]);
    await context.close();
  });

  it('keeps a reply "read" when the answer to its send reaches the browser after the socket said so', async () => {
    const { page, console, context } = await e2e.signedInPage();
    await apiPost(page, `/api/v1/channels/${channelId}/sandbox/inbound`, { from: '+5491144447777', text: 'Buenas, ¿hacen envíos?' });
    await page.goto('/inbox');
    await live(page);
    await row(page, 'hacen envíos').click();
    await page.getByTestId('thread').getByText('Buenas, ¿hacen envíos?').waitFor();

    // Hold the answer to the send until the socket has told the thread the reply was read.
    const reply = page.getByTestId('message').filter({ hasText: 'Sí, a todo el país' });
    await page.route('**/api/v1/conversations/*/messages', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      const answer = await route.fetch();
      expect(((await answer.json()) as { status: string }).status).toMatch(/^(queued|sending)$/);
      await reply.locator('[data-testid="message-status"][data-status="read"]').waitFor({ timeout: 15_000 });
      await route.fulfill({ response: answer });
    });
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/messages'));
    await page.getByTestId('composer-input').fill('Sí, a todo el país 🚚');
    await page.getByTestId('composer-input').press('Enter');
    await answered;
    // The late answer still says "queued": the thread keeps what the socket said.
    await page.waitForTimeout(300);
    expect(await reply.getByTestId('message-status').getAttribute('data-status')).toBe('read');
    expect(await reply.count()).toBe(1);
    expect(console.errors).toEqual([]);
    await context.close();
  });

  it('works on a phone: the list, then the thread with a way back', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, console, context } = await e2e.signedInPage({ viewport: PHONE, theme });
      await page.goto('/inbox');
      await row(page, 'Te paso el precio').waitFor();
      await screenshot(page, `inbox-list-phone-${theme}`);
      await row(page, 'Te paso el precio').click();
      await page.getByTestId('composer-input').waitFor();
      await screenshot(page, `inbox-thread-phone-${theme}`);
      await page.getByRole('button', { name: 'Back to conversations' }).click();
      await row(page, 'Te paso el precio').waitFor();
      expect(console.errors).toEqual([]);
      await context.close();
    }
  });
});
