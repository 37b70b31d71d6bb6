import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, inPage, PHONE, screenshot } from './browser';
import { apiPost, useServerAndBrowser } from './flows';

const e2e = useServerAndBrowser({ workspace: {} });

const counter = (page: Page, name: string, atLeast: number, timeout = 30_000) =>
  expect.poll(async () => Number(await page.getByTestId(`counter-${name}`).getAttribute('data-value')), { timeout, interval: 200 }).toBeGreaterThanOrEqual(atLeast);
const status = (page: Page, value: string) => page.locator(`[data-testid="campaign-status"][data-status="${value}"]`).waitFor({ timeout: 15_000 });
const confirm = (page: Page, name: string) => page.getByRole('alertdialog').getByRole('button', { name }).click();

describe('campaigns in the browser', () => {
  let campaignUrl = '';

  it('writes a template, builds a campaign, sees the plan, launches it and watches it live; pause and resume', async () => {
    const { page, console, context } = await e2e.signedInPage({ theme: 'dark' });
    // A Sandbox number (its consent covers every channel, decision 0014) and four people: three who agreed, one who never did.
    await apiPost(page, '/api/v1/channels', { kind: 'sandbox', name: 'Demo sandbox', config: { deliveredAfterMs: 300, readAfterMs: 900 } });
    const people = [
      { firstName: 'Ana', phone: '+5491144445501', consent: true },
      { firstName: '', phone: '+5491144445502', consent: true },
      { firstName: 'Carla', phone: '+5491144445503', consent: true },
      { firstName: 'Diego', phone: '+5491144445504', consent: false },
    ];
    for (const p of people) {
      const contact = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: p.firstName, lastName: p.firstName ? 'Prueba' : '', company: 'Acme', phone: p.phone });
      if (p.consent) await apiPost(page, `/api/v1/contacts/${contact.id}/consent`, { channel: 'any', status: 'opted_in', source: 'form' });
    }

    // The template: text, a variable with a fallback from the picker, an emoji; the counter counts what a person sees.
    await page.goto('/campaigns/templates');
    await page.getByRole('heading', { name: 'No templates yet' }).waitFor();
    await page.getByRole('link', { name: 'New template' }).click();
    await page.getByLabel('Template name').fill('Primer contacto');
    const body = page.getByTestId('template-body');
    await body.fill('Hola ');
    await page.getByRole('button', { name: 'Insert a variable' }).click();
    await page.getByLabel('If empty, write').fill('amigo');
    await page.getByRole('menuitem', { name: /First name/ }).click();
    await body.press('End');
    await body.pressSequentially(', ¿seguimos? ');
    await page.getByRole('button', { name: 'Insert an emoji' }).click();
    await page.getByRole('button', { name: '👋' }).click();
    expect(await body.inputValue()).toBe('Hola {{firstName|amigo}}, ¿seguimos? 👋');
    await page.getByTestId('template-length').getByText('38 characters').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Edit template' }).waitFor();
    // Preview for a contact: the fallback fills in for the one without a first name.
    await page.getByRole('button', { name: 'Ana Prueba' }).click();
    await page.getByTestId('template-preview').getByText('Hola Ana, ¿seguimos? 👋').waitFor();
    await page.getByRole('button', { name: 'Acme', exact: true }).click();
    await page.getByTestId('template-preview').getByText('Hola amigo, ¿seguimos? 👋').waitFor();
    await screenshot(page, 'campaigns-template-desktop-dark');

    // The builder: the client says what is missing, then the campaign is saved as a draft.
    await page.goto('/campaigns');
    await page.getByRole('heading', { name: 'No campaigns yet' }).waitFor();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByRole('button', { name: 'Save and review the plan' }).click();
    await page.getByText('Give the campaign a name.').waitFor();
    await page.getByText('Pick a template.').waitFor();
    await page.getByText('Pick at least one channel account.').waitFor();
    await page.getByLabel('Campaign name').fill('Promo de otoño');
    await page.getByRole('combobox', { name: 'Template' }).click();
    await page.getByRole('option', { name: 'Primer contacto' }).click();
    await page.getByRole('checkbox', { name: 'Demo sandbox' }).click();
    await page.getByLabel('Seconds between two sends').fill('3');
    await page.getByLabel('Minimum contactability score').fill('0');
    await screenshot(page, 'campaigns-builder-desktop-dark');
    await page.getByRole('button', { name: 'Save and review the plan' }).click();

    // The plan: three pass, one is skipped for want of consent, in plain words.
    await page.getByTestId('plan-eligible').getByText('3').waitFor();
    expect(await page.getByTestId('plan-skipped').textContent()).toBe('1');
    await page.locator('[data-testid="skip-reasons"] [data-reason="no_consent"]').getByText('No consent recorded').waitFor();
    await status(page, 'draft');
    campaignUrl = new URL(page.url()).pathname;
    await screenshot(page, 'campaigns-plan-desktop-dark');

    await page.getByRole('button', { name: 'Launch' }).click();
    await confirm(page, 'Launch');
    await status(page, 'running');
    await counter(page, 'sent', 1);
    await screenshot(page, 'campaigns-running-desktop-dark');

    // Pause: the next sends wait. Resume: they go on, and every message reaches the phone, live.
    await page.getByRole('button', { name: 'Pause' }).click();
    await confirm(page, 'Pause');
    await status(page, 'paused');
    expect(await page.getByRole('button', { name: 'Resume' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await confirm(page, 'Resume');
    await status(page, 'running');
    await counter(page, 'delivered', 3, 45_000);
    // The one without consent is held back by the gate when its turn comes.
    await counter(page, 'skipped', 1);
    await page.locator('[data-testid="recipient-row"][data-status="skipped"]').getByText('No consent recorded').waitFor();
    // The chart over time follows the same live events: its running totals reach the counters.
    const chart = page.getByTestId('timeline-chart');
    const total = (series: string) => chart.getByTestId(`timeline-legend-${series}`).getAttribute('data-total').then(Number);
    await expect.poll(() => total('delivered'), { timeout: 20_000, interval: 250 }).toBe(3);
    expect(await total('sent')).toBe(3);
    expect(await total('queued')).toBe(3);
    expect(await total('failed')).toBe(0);
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    expect(await chart.locator('path[data-series="delivered"]').count()).toBe(1);
    expect(await chart.getByRole('img').getAttribute('aria-label')).toMatch(/3 sent, 3 delivered/);
    await screenshot(page, 'campaigns-delivered-desktop-dark');

    // The report as CSV.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile(file, 'utf8');
    expect(csv.split('\n')[0]).toBe('contactId,name,phone,status,skipReason,messageId,channelId,errorCode,queuedAt');
    expect(csv.trim().split('\n')).toHaveLength(5);

    await page.goto('/campaigns');
    await page.getByTestId('campaign-row').filter({ hasText: 'Promo de otoño' }).waitFor();
    await screenshot(page, 'campaigns-list-desktop-dark');
    expect(console.errors).toEqual([]);
    await context.close();
  });

  it('looks right in light theme and on a phone', async () => {
    for (const [viewport, theme, label] of [
      [DESKTOP, 'light', 'desktop'],
      [PHONE, 'dark', 'phone'],
      [PHONE, 'light', 'phone'],
    ] as const) {
      const { page, console, context } = await e2e.signedInPage({ viewport, theme });
      await page.goto(campaignUrl);
      await page.getByTestId('counters').waitFor();
      await screenshot(page, `campaigns-page-${label}-${theme}`);
      // The chart's screen-reader table once widened a phone's page to 534 px.
      expect(await inPage<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth'), `campaign page overflows (${label})`).toBe(0);
      await page.goto('/campaigns/new');
      await page.getByLabel('Campaign name').waitFor();
      await screenshot(page, `campaigns-builder-${label}-${theme}`);
      await page.goto('/campaigns');
      await page.getByTestId('campaign-row').first().waitFor();
      await screenshot(page, `campaigns-list-${label}-${theme}`);
      await page.goto('/campaigns/templates');
      await page.getByTestId('template-row').first().waitFor();
      await screenshot(page, `campaigns-templates-${label}-${theme}`);
      await page.getByTestId('template-row').first().click();
      await page.getByTestId('template-body').waitFor();
      await screenshot(page, `campaigns-template-${label}-${theme}`);
      expect(console.errors).toEqual([]);
      await context.close();
    }
  });
});
