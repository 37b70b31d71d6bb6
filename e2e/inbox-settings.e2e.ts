import { describe, expect, it } from 'vitest';
import { PHONE, screenshot } from './browser';
import { apiPost, OWNER, useServerAndBrowser } from './flows';

const e2e = useServerAndBrowser({ workspace: { name: 'Panadería Sol', slug: 'sol', locale: 'es' } });

describe('inbox settings: labels and quick replies', () => {
  it('creates, edits and deletes labels and quick replies in Spanish, and the composer fills a quick reply’s variables', async () => {
    const { page, console } = await e2e.signedInPage({ locale: 'es-AR', theme: 'light' });
    await page.goto('/settings/inbox');
    await page.getByRole('heading', { name: 'Bandeja de entrada', level: 1 }).waitFor();
    // The workspace's default labels, in its language.
    await page.getByTestId('label-row').filter({ hasText: 'Interesado' }).first().waitFor();

    await page.getByRole('button', { name: 'Nueva etiqueta' }).click();
    const labelDialog = page.getByRole('dialog');
    await labelDialog.getByLabel('Nombre').fill('Reclamo');
    await labelDialog.getByLabel('Palabras clave').fill('devolución');
    await labelDialog.getByLabel('Palabras clave').press('Enter');
    await labelDialog.getByLabel('Palabras clave').fill('no funciona');
    await labelDialog.getByLabel('Palabras clave').press('Enter');
    await screenshot(page, 'inbox-settings-label-dialog-desktop-light');
    await labelDialog.getByRole('button', { name: 'Nueva etiqueta' }).click();
    await labelDialog.waitFor({ state: 'detached' });
    const reclamo = page.getByTestId('label-row').filter({ hasText: 'Reclamo' });
    await reclamo.getByRole('cell', { name: 'devolución · no funciona' }).waitFor();

    await page.getByRole('button', { name: 'Editar la etiqueta Reclamo' }).click();
    await page.getByRole('dialog').getByLabel('Nombre').fill('Reclamos');
    await page.getByRole('dialog').getByRole('button', { name: 'Guardar' }).click();
    await page.getByTestId('label-row').filter({ hasText: 'Reclamos' }).waitFor();

    await page.getByRole('button', { name: 'Eliminar la etiqueta Cliente' }).click();
    await page.getByRole('alertdialog').or(page.getByRole('dialog')).getByRole('button', { name: 'Eliminar' }).click();
    await page.getByText('Etiqueta “Cliente” eliminada').first().waitFor();
    await page.getByTestId('label-row').filter({ hasText: /^Cliente/ }).waitFor({ state: 'detached' });

    // A quick reply with a variable inserted from the buttons, previewed with an example contact.
    await page.getByRole('button', { name: 'Nueva respuesta rápida' }).click();
    const quickDialog = page.getByRole('dialog');
    await quickDialog.getByLabel('Atajo').fill('saludo');
    await quickDialog.getByLabel('Texto').fill('Hola ');
    await quickDialog.getByRole('button', { name: 'Nombre', exact: true }).click();
    await quickDialog.getByLabel('Texto').press('End');
    await quickDialog.getByLabel('Texto').pressSequentially(', ¿en qué te ayudo? Soy ');
    await quickDialog.getByRole('button', { name: 'Tu nombre' }).click();
    expect(await quickDialog.getByLabel('Texto').inputValue()).toBe('Hola {{firstName}}, ¿en qué te ayudo? Soy {{agentName}}');
    await quickDialog.getByTestId('quick-reply-preview').getByText(`Hola Lucía, ¿en qué te ayudo? Soy ${OWNER.name}`).waitFor();
    await screenshot(page, 'inbox-settings-quick-reply-dialog-desktop-light');
    await quickDialog.getByRole('button', { name: 'Nueva respuesta rápida' }).click();
    await quickDialog.waitFor({ state: 'detached' });
    await page.getByTestId('quick-reply-row').filter({ hasText: '/saludo' }).waitFor();

    // A shortcut with a space is refused on its field, and nothing is created.
    await page.getByRole('button', { name: 'Nueva respuesta rápida' }).click();
    await page.getByRole('dialog').getByLabel('Atajo').fill('dos palabras');
    await page.getByRole('dialog').getByLabel('Texto').fill('x');
    await page.getByRole('dialog').getByRole('button', { name: 'Nueva respuesta rápida' }).click();
    await page.getByRole('dialog').getByLabel('Atajo').and(page.locator('[aria-invalid="true"]')).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancelar' }).click();
    expect(await page.getByTestId('quick-reply-row').count()).toBe(1);
    await screenshot(page, 'inbox-settings-desktop-light');

    // In a conversation, the composer fills the variables with this contact and the person answering.
    const channel = await apiPost<{ id: string }>(page, '/api/v1/channels', { kind: 'sandbox', name: 'Demo', config: {} });
    await apiPost(page, '/api/v1/contacts', { firstName: 'Martina', lastName: 'Acosta', phone: '+5491144447777' });
    await apiPost(page, `/api/v1/channels/${channel.id}/sandbox/inbound`, { from: '+5491144447777', text: 'Buenas, una consulta' });
    await page.goto('/inbox');
    await page.getByTestId('conversation-row').filter({ hasText: 'una consulta' }).click();
    await page.getByRole('button', { name: 'Respuestas rápidas' }).click();
    await page.getByRole('menuitem', { name: /\/saludo/ }).click();
    expect(await page.getByTestId('composer-input').inputValue()).toBe(`Hola Martina, ¿en qué te ayudo? Soy ${OWNER.name}`);

    // Deleting it takes it out of the composer too.
    await page.goto('/settings/inbox');
    await page.getByRole('button', { name: 'Eliminar la respuesta rápida saludo' }).click();
    await page.getByRole('alertdialog').or(page.getByRole('dialog')).getByRole('button', { name: 'Eliminar' }).click();
    await page.getByText('Respuesta rápida “saludo” eliminada').first().waitFor();
    await page.getByTestId('quick-reply-row').waitFor({ state: 'detached' });
    expect(console.errors).toEqual([]);
  });

  it('shows the screen in English on a phone, dark', async () => {
    const { page, console } = await e2e.signedInPage({ locale: 'en-US', theme: 'dark', viewport: PHONE });
    // The owner's language follows the workspace (Spanish) until they pick another.
    await page.getByRole('button', { name: /Account menu|Menú de la cuenta/ }).first().click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await page.keyboard.press('Escape');
    await page.goto('/settings/inbox');
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Labels', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Quick replies', exact: true }).waitFor();
    await page.getByTestId('label-row').filter({ hasText: 'Reclamos' }).waitFor();
    await screenshot(page, 'inbox-settings-phone-dark');
    expect(console.errors).toEqual([]);
  });
});
