import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, inPage, PHONE, screenshot } from './browser';
import { useServerAndBrowser } from './flows';

// The workspace is created through the API here; the wizard itself is covered by auth-2fa.e2e.ts.
const e2e = useServerAndBrowser({ workspace: { locale: 'es' } });

const SCREENS: { path: string; name: string; ready: (page: Page) => Promise<unknown> }[] = [
  { path: '/inbox', name: 'inbox', ready: (p) => p.getByPlaceholder('Nombre, teléfono (cualquier formato) o palabras').waitFor() },
  { path: '/settings/workspace', name: 'workspace', ready: (p) => p.getByLabel('Nombre del espacio').waitFor() },
  { path: '/settings/users', name: 'users', ready: (p) => p.getByRole('table').waitFor() },
  { path: '/settings/roles', name: 'roles', ready: (p) => p.getByText('Lector').waitFor() },
  { path: '/settings/api-keys', name: 'api-keys', ready: (p) => p.getByRole('table').waitFor() },
  { path: '/settings/inbox', name: 'inbox-settings', ready: (p) => p.getByTestId('label-row').first().waitFor() },
  { path: '/settings/audit', name: 'audit', ready: (p) => p.getByRole('table').waitFor() },
  { path: '/settings/security', name: 'security', ready: (p) => p.getByText('Verificación en dos pasos').first().waitFor() },
  // A new workspace's lists: each empty state says what to do next.
  { path: '/contacts', name: 'contacts-empty', ready: (p) => p.getByRole('heading', { name: 'Todavía no hay contactos' }).waitFor() },
  { path: '/contacts/import', name: 'import', ready: (p) => p.getByRole('heading', { name: 'Importar contactos' }).waitFor() },
  { path: '/contacts/validation', name: 'validation-empty', ready: (p) => p.getByRole('heading', { name: 'No queda nada por revisar' }).waitFor() },
  { path: '/contacts/blacklist', name: 'blacklist-empty', ready: (p) => p.getByRole('heading', { name: 'No hay números bloqueados' }).waitFor() },
  { path: '/campaigns', name: 'campaigns-empty', ready: (p) => p.getByRole('heading', { name: 'Todavía no hay campañas' }).waitFor() },
  { path: '/campaigns/templates', name: 'templates-empty', ready: (p) => p.getByRole('heading', { name: 'Todavía no hay plantillas' }).waitFor() },
  { path: '/channels', name: 'channels-empty', ready: (p) => p.getByRole('heading', { name: 'Todavía no hay canales' }).waitFor() },
  { path: '/settings/contact-fields', name: 'contact-fields-empty', ready: (p) => p.getByRole('heading', { name: 'Todavía no hay campos personalizados' }).waitFor() },
  { path: '/settings/scoring', name: 'scoring', ready: (p) => p.getByText('Todavía no hay contactos para probar las reglas.').waitFor() },
  { path: '/calendar', name: 'calendar-empty', ready: (p) => p.getByRole('heading', { name: 'Crea un calendario para empezar a agendar' }).waitFor() },
];

describe('every main screen renders in both themes and on a phone', () => {
  it('creates an API key (shown once) so the keys screen has content', async () => {
    const { page, console } = await e2e.signedInPage({ viewport: DESKTOP, theme: 'dark', locale: 'es-AR' });
    await page.goto('/settings/api-keys');
    await page.getByRole('heading', { name: 'Todavía no hay claves de API' }).waitFor();
    await screenshot(page, 'api-keys-empty-desktop-dark');
    await page.getByRole('button', { name: 'Crear clave de API' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Crear una clave de API' });
    await dialog.getByRole('button', { name: 'Crear clave de API' }).click();
    await dialog.getByText('Elige al menos un permiso').waitFor();
    await dialog.getByLabel('Nombre').fill('Zapier');
    await dialog.getByLabel('Ver contactos').check();
    await dialog.getByRole('button', { name: 'Crear clave de API' }).click();
    const token = await page.getByTestId('api-key-token').textContent();
    expect(token?.length).toBeGreaterThan(20);
    await screenshot(page, 'api-key-created-desktop-dark');
    await page.getByRole('button', { name: 'Listo' }).click();
    await page.getByRole('row', { name: /Zapier/ }).waitFor();
    expect(await page.getByTestId('api-key-token').count()).toBe(0);
    expect(console.errors).toEqual([]);
  });

  for (const [label, viewport, theme] of [
    ['desktop-dark', DESKTOP, 'dark'],
    ['desktop-light', DESKTOP, 'light'],
    ['phone-dark', PHONE, 'dark'],
    ['phone-light', PHONE, 'light'],
  ] as const) {
    it(`renders each screen (${label}) without console errors`, async () => {
      const { page, console } = await e2e.signedInPage({ viewport, theme, locale: 'es-AR' });
      expect(await inPage(page, "document.documentElement.classList.contains('dark')")).toBe(theme === 'dark');
      for (const screen of SCREENS) {
        await page.goto(screen.path);
        await screen.ready(page);
        await page.waitForLoadState('networkidle');
        await screenshot(page, `${screen.name}-${label}`);
        // Nothing may push the page sideways (wide tables scroll inside their own box).
        const overflow = await inPage<number>(page, 'document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${screen.path} overflows horizontally`).toBe(0);
      }
      await page.getByRole('button', { name: 'Menú de la cuenta' }).first().click();
      await page.getByRole('menu').waitFor();
      await screenshot(page, `user-menu-${label}`);
      expect(console.errors).toEqual([]);
    }, 300_000); // 18 screens: more than the default two minutes on a loaded machine
  }
});
