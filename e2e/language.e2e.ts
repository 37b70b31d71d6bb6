import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, inPage, PHONE } from './browser';
import { completeSetup, pickLanguage, useServerAndBrowser } from './flows';

const e2e = useServerAndBrowser();

const sidebar = (page: Page) => page.getByRole('navigation', { name: /Main navigation|Navegación principal/ });

describe('language', () => {
  it('the switch changes the interface at once and the choice survives a reload', async () => {
    const { page, console } = await e2e.newContext({ locale: 'en-US', viewport: PHONE, theme: 'light' });
    // A workspace whose default language is English, so the switch is what makes it Spanish.
    await completeSetup(page, { language: 'English', screenshots: 'phone-light' });
    await page.setViewportSize(DESKTOP);
    await sidebar(page).getByRole('link', { name: 'Contacts' }).waitFor();
    expect(await inPage(page, 'document.documentElement.lang')).toBe('en');

    await pickLanguage(page, 'Español');
    await sidebar(page).getByRole('link', { name: 'Contactos' }).waitFor();
    expect(await inPage(page, 'document.documentElement.lang')).toBe('es');
    await page.getByPlaceholder('Nombre, teléfono (cualquier formato) o palabras').waitFor();

    await page.reload();
    await sidebar(page).getByRole('link', { name: 'Contactos' }).waitFor();
    expect(await sidebar(page).getByRole('link', { name: 'Contacts' }).count()).toBe(0);

    // Dates follow the language too.
    await page.goto('/settings/audit');
    await page.getByRole('heading', { name: 'Registro de auditoría' }).first().waitFor();
    await page.getByText('Creó el espacio de trabajo').waitFor();

    await pickLanguage(page, 'English');
    await sidebar(page).getByRole('link', { name: 'Contacts' }).waitFor();
    await page.reload();
    await sidebar(page).getByRole('link', { name: 'Contacts' }).waitFor();
    await page.getByText('Created workspace').waitFor();

    expect(console.errors).toEqual([]);
  });
});
