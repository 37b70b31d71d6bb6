import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, inPage, PHONE, screenshot } from './browser';
import { apiPost, useServerAndBrowser } from './flows';

/** Spanish headers, `;` separator, a UTF-8 BOM, CRLF, and `011 15-4444-5555` as people write it at home. */
const CSV = fileURLToPath(new URL('./fixtures/contactos.csv', import.meta.url));

const e2e = useServerAndBrowser({ workspace: {} });

const prospectName = (page: Page) => page.getByTestId('prospect-name').textContent();
const scoreValue = (page: Page, score: string) => page.getByTestId(`score-${score}`).getByTestId('score-value').textContent();

describe('contacts in the browser', () => {
  it('imports a Spanish CSV through the wizard, then finds a contact by another phone format', async () => {
    const { page, console } = await e2e.signedInPage();
    await page.goto('/contacts');
    await page.getByRole('heading', { name: 'No contacts yet' }).waitFor();
    await screenshot(page, 'contacts-empty-desktop-dark');

    await page.getByRole('link', { name: 'Import a CSV' }).click();
    await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
    await page.setInputFiles('#import-file', CSV);

    // The mapping screen, pre-filled from the Spanish headers.
    await page.getByRole('heading', { name: 'Map the columns' }).waitFor();
    const guessed = async (column: string) => (await page.getByRole('combobox', { name: `Field for the column ${column}` }).textContent())?.trim();
    expect(await guessed('Nombre')).toBe('First name');
    expect(await guessed('Apellido')).toBe('Last name');
    expect(await guessed('Empresa')).toBe('Company');
    expect(await guessed('Celular')).toBe('Phone');
    expect(await guessed('Email')).toBe('Email');
    await page.getByRole('table', { name: 'Preview' }).getByText('011 15-4444-5555').waitFor();
    await page.getByRole('radio', { name: 'Only within this file' }).waitFor();
    await screenshot(page, 'import-mapping-desktop-dark');

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.locator('[data-testid="import-progress"][data-status="completed"]').waitFor({ timeout: 60_000 });
    const inserted = Number(await page.getByTestId('count-inserted').textContent());
    expect(inserted).toBeGreaterThanOrEqual(4);
    // The report is the import's address: a reload shows it again.
    expect(page.url()).toMatch(/\/contacts\/import\/[0-9a-f-]{36}$/);
    await page.reload();
    await page.locator('[data-testid="import-progress"][data-status="completed"]').waitFor();
    expect(Number(await page.getByTestId('count-inserted').textContent())).toBe(inserted);
    await screenshot(page, 'import-report-desktop-dark');

    // Imported as `011 15-4444-5555`, found as `11 4444-5555`.
    await page.getByRole('link', { name: 'View contacts' }).click();
    await page.getByRole('heading', { name: 'Contacts', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Roberto Sánchez' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search contacts' }).fill('11 4444-5555');
    await page.waitForURL(/q=11/);
    await expect.poll(() => page.getByTestId('contact-row').count()).toBe(1);
    await page.getByRole('link', { name: 'Juan Pérez' }).waitFor();
    await screenshot(page, 'contacts-search-desktop-dark');
    expect(console.errors).toEqual([]);
  });

  it('records consent on the contact page; contactability and its explanation change', async () => {
    const { page, console } = await e2e.signedInPage();
    await page.goto('/contacts?q=Juan');
    await page.getByRole('link', { name: 'Juan Pérez' }).click();
    await page.getByRole('heading', { name: 'Juan Pérez', level: 1 }).waitFor();
    const before = await scoreValue(page, 'contactability');
    const explanation = page.getByRole('list', { name: 'How the Contactability score was made' });
    await explanation.getByText('No consent yet').waitFor();
    await screenshot(page, 'contact-desktop-dark');

    await page.getByRole('button', { name: 'Record consent' }).click();
    const dialog = page.getByRole('dialog', { name: 'Record consent' });
    await dialog.getByLabel('Text shown', { exact: false }).fill('I agree to receive offers by WhatsApp.');
    await dialog.getByRole('button', { name: 'Record consent' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await explanation.getByText('Consent recorded').waitFor();
    await expect.poll(() => scoreValue(page, 'contactability')).not.toBe(before);
    const after = await scoreValue(page, 'contactability');
    expect(parseInt(after ?? '0', 10)).toBeGreaterThan(parseInt(before ?? '0', 10));
    await page.getByTestId('consent-whatsapp').getByText('Opted in').waitFor();
    await page.getByText('“I agree to receive offers by WhatsApp.”').waitFor();
    expect(console.errors).toEqual([]);
  });

  it('bulk-tags selected contacts in the background; the progress bar survives a reload', async () => {
    const { page, console } = await e2e.signedInPage();
    await page.goto('/contacts');
    await page.getByRole('checkbox', { name: 'Select Juan Pérez' }).click();
    await page.getByRole('checkbox', { name: 'Select Roberto Sánchez' }).click();
    await page.getByText('2 selected').waitFor();
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Add tags' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add tags' });
    await dialog.getByLabel('Tags').fill('vip');
    await dialog.getByLabel('Tags').press('Enter');
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await page.getByTestId('task-progress').waitFor();
    await page.reload();
    await page.locator('[data-testid="task-progress"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await page.getByRole('row', { name: /Juan Pérez/ }).getByText('vip').waitFor();
    await page.getByRole('row', { name: /Roberto Sánchez/ }).getByText('vip').waitFor();
    expect(await page.getByRole('row', { name: /Carlos López/ }).getByText('vip').count()).toBe(0);
    await screenshot(page, 'contacts-bulk-desktop-dark');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.getByTestId('task-progress').count()).toBe(0);
    expect(console.errors).toEqual([]);
  });

  it('reviews the validation queue from the keyboard: A approves, R asks for a reason', async () => {
    const { page, console } = await e2e.signedInPage();
    await page.goto('/contacts/validation');
    await page.getByRole('heading', { name: 'Validation queue' }).waitFor();
    await page.getByTestId('shortcuts').getByText('Reject with a reason').waitFor();
    const first = await page.getByTestId('prospect-name').textContent();
    await screenshot(page, 'validation-queue-desktop-dark');

    await page.keyboard.press('a');
    await page.getByText(`${first} validated.`).first().waitFor();
    await expect.poll(() => prospectName(page)).not.toBe(first);
    const second = await page.getByTestId('prospect-name').textContent();
    expect(second).not.toBe(first);

    await page.keyboard.press('r');
    const dialog = page.getByRole('dialog', { name: `Reject ${second}` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await dialog.getByText('Required').waitFor();
    await screenshot(page, 'validation-reject-desktop-dark');
    await dialog.getByLabel('Reason').fill('Wrong number');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => prospectName(page)).not.toBe(second);

    // Both decisions left the queue, and the contact pages say who decided.
    const queue = await page.request.get('/api/v1/validation-queue?limit=100').then((r) => r.json() as Promise<{ items: { firstName: string; lastName: string }[] }>);
    const names = queue.items.map((c) => `${c.firstName} ${c.lastName}`);
    expect(names).not.toContain(first);
    expect(names).not.toContain(second);
    await page.getByRole('link', { name: 'All contacts' }).click();
    await page.getByRole('link', { name: first! }).click();
    await page.getByText(/Validated by Olga Owner/).waitFor();
    expect(console.errors).toEqual([]);
  });

  it('renders the contacts screens in both themes and on a phone without console errors', async () => {
    // Something to show on the settings screens: a custom field, a scoring rule, a blocked number.
    const setup = await e2e.signedInPage();
    await apiPost(setup.page, '/api/v1/contact-fields', { key: 'industry', label: 'Industry', type: 'choice', choices: ['Retail', 'Services'] });
    await apiPost(setup.page, '/api/v1/blacklist', { phone: '+54 9 11 2222 3333', reason: 'Asked not to be contacted' });
    await setup.page.request.put('/api/v1/scoring/settings', {
      data: { potentialRules: [{ id: 'r1', label: 'Has a company', field: 'company', op: 'exists', points: 30 }] },
      headers: { origin: e2e.server.url },
    });
    await setup.context.close();

    const screens: { path: string; name: string; ready: (page: Page) => Promise<unknown> }[] = [
      { path: '/contacts', name: 'contacts', ready: (p) => p.getByRole('link', { name: 'Juan Pérez' }).waitFor() },
      { path: '/contacts/import', name: 'imports', ready: (p) => p.getByText('contactos.csv').first().waitFor() },
      { path: '/contacts/blacklist', name: 'blacklist', ready: (p) => p.getByText('Asked not to be contacted').waitFor() },
      { path: '/settings/scoring', name: 'scoring', ready: (p) => p.getByTestId('scoring-preview').waitFor() },
      { path: '/settings/contact-fields', name: 'contact-fields', ready: (p) => p.getByText('Industry').first().waitFor() },
    ];
    for (const [label, viewport, theme] of [
      ['desktop-dark', DESKTOP, 'dark'],
      ['desktop-light', DESKTOP, 'light'],
      ['phone-dark', PHONE, 'dark'],
      ['phone-light', PHONE, 'light'],
    ] as const) {
      const { page, console, context } = await e2e.signedInPage({ viewport, theme });
      for (const screen of screens) {
        await page.goto(screen.path);
        await screen.ready(page);
        await page.waitForLoadState('networkidle');
        await screenshot(page, `${screen.name}-${label}`);
        const overflow = await inPage<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${screen.path} overflows horizontally (${label})`).toBe(0);
      }
      // A contact's page and the queue, then the filter panel over the list.
      await page.goto('/contacts');
      await page.getByRole('link', { name: 'Juan Pérez' }).click();
      await page.getByRole('heading', { name: 'Juan Pérez', level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      await screenshot(page, `contact-${label}`);
      expect(await inPage<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
      await page.goto('/contacts/validation');
      await page.getByTestId('prospect-name').waitFor();
      await screenshot(page, `validation-queue-${label}`);
      await page.goto('/contacts');
      await page.getByRole('button', { name: 'Filters' }).click();
      await page.getByRole('dialog', { name: 'Filter contacts' }).waitFor();
      await screenshot(page, `contacts-filters-${label}`);
      expect(console.errors).toEqual([]);
      await context.close();
    }
  });
  it('reads in Spanish: the list and a contact page', async () => {
    for (const [label, viewport] of [
      ['desktop-dark', DESKTOP],
      ['phone-dark', PHONE],
    ] as const) {
      const { page, console, context } = await e2e.signedInPage({ viewport });
      const response = await page.request.patch('/api/v1/auth/me', { data: { locale: 'es' }, headers: { origin: e2e.server.url } });
      expect(response.ok()).toBe(true);
      await page.goto('/contacts');
      await page.getByRole('heading', { name: 'Contactos', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Juan Pérez' }).waitFor();
      await screenshot(page, `contacts-es-${label}`);
      await page.getByRole('link', { name: 'Juan Pérez' }).click();
      await page.getByRole('heading', { name: 'Juan Pérez', level: 1 }).waitFor();
      await page.getByText('Consentimiento registrado').waitFor();
      await screenshot(page, `contact-es-${label}`);
      // A contact no potential rule matches (no company): the explanation is Spanish too, not the server's English.
      const marta = await apiPost<{ id: string }>(page, '/api/v1/contacts', { firstName: 'Marta', lastName: `Sin Empresa ${label}` });
      await page.goto(`/contacts/${marta.id}`);
      await page.getByText('Ninguna regla coincide').waitFor();
      expect(await page.getByText('no rule matched').count()).toBe(0);
      expect(await inPage<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
      expect(console.errors).toEqual([]);
      await context.close();
    }
  });
});
