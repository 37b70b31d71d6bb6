import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, waitSignedIn } from './browser';
import { apiPost, OWNER, signIn, useServerAndBrowser } from './flows';

/**
 * The refusals people meet on the identity and contacts screens are said in the reader's language
 * (decision 0038): the server refuses with a stable reason, the web says it in Spanish (and once in
 * English), at the field that caused it. None of them may show the server's English message.
 */
const e2e = useServerAndBrowser({ workspace: { locale: 'es' } });

/** Tries to block a "number" with no digit in it on the blacklist screen; answers the open dialog. */
async function blockWithoutDigits(page: Page, words: { action: string; phone: string; reason: string }, number: string, reason: string) {
  await page.goto('/contacts/blacklist');
  await page.getByRole('button', { name: words.action }).first().click();
  const dialog = page.getByRole('dialog', { name: words.action });
  await dialog.getByLabel(words.phone).fill(number);
  await dialog.getByLabel(words.reason).fill(reason);
  await dialog.getByRole('button', { name: words.action }).click();
  return dialog;
}

describe('refusals in the reader’s language, in the browser', () => {
  it('says in Spanish why a sign-in, a new user, a password change, a contact, a blocked number and a contact field were refused', async () => {
    const { page, console } = await e2e.newContext({ locale: 'es-AR', theme: 'light' });

    // A wrong password at sign-in.
    await page.goto('/');
    await signIn(page, 'olga', 'not the password');
    await page.getByText('El usuario o la contraseña no son correctos.').waitFor();
    await screenshot(page, 'errors-es-sign-in');
    await signIn(page, 'olga', OWNER.password);
    await waitSignedIn(page);

    // A new user with an e-mail another account already has.
    await page.goto('/settings/users');
    await page.getByRole('button', { name: 'Crear usuario' }).click();
    const userDialog = page.getByRole('dialog', { name: 'Crear un usuario' });
    await userDialog.getByLabel('Nombre', { exact: true }).fill('Olga Otra');
    await userDialog.getByLabel('Email').fill(OWNER.email);
    await userDialog.getByRole('combobox', { name: 'Rol' }).click();
    await page.getByRole('option', { name: 'Agente' }).click();
    await userDialog.getByLabel('Contraseña inicial').fill('otra-contraseña-123');
    await userDialog.getByRole('button', { name: 'Crear usuario' }).click();
    await userDialog.getByText('Ese correo ya lo usa otra cuenta.').waitFor();
    await screenshot(page, 'errors-es-user-email-taken');
    await page.keyboard.press('Escape');

    // A password change with a wrong current password.
    await page.goto('/settings/security');
    await page.getByLabel('Contraseña actual').fill('not the password');
    await page.getByLabel('Contraseña nueva', { exact: true }).fill('una-clave-nueva-123');
    await page.getByLabel('Repite la contraseña nueva').fill('una-clave-nueva-123');
    await page.getByRole('button', { name: 'Cambiar contraseña' }).click();
    await page.getByText('La contraseña actual no es correcta.').waitFor();
    await screenshot(page, 'errors-es-wrong-current-password');

    // A new contact with the phone of another one, written as people write it at home.
    await apiPost(page, '/api/v1/contacts', { firstName: 'Ana', lastName: 'Prueba', phone: '+5491144445555' });
    await page.goto('/contacts');
    await page.getByRole('button', { name: 'Nuevo contacto' }).first().click();
    const contactDialog = page.getByRole('dialog', { name: 'Nuevo contacto' });
    await contactDialog.getByLabel('Nombre', { exact: true }).fill('Ana María');
    await contactDialog.getByLabel('Teléfono').fill('011 15-4444-5555');
    await contactDialog.getByRole('button', { name: 'Crear contacto' }).click();
    await contactDialog.getByText('Otro contacto ya tiene este número de teléfono').waitFor();
    await screenshot(page, 'errors-es-contact-phone-taken');
    await page.keyboard.press('Escape');

    // A "number" to block with no digit in it.
    const blockDialog = await blockWithoutDigits(page, { action: 'Bloquear un número', phone: 'Número de teléfono', reason: 'Motivo' }, 'sin número', 'Pidió que no lo contacten');
    await blockDialog.getByText('Eso no es un número de teléfono: escribe al menos un dígito.').waitFor();
    await screenshot(page, 'errors-es-blacklist-not-a-phone');
    await page.keyboard.press('Escape');

    // A contact field whose key another field already has.
    await apiPost(page, '/api/v1/contact-fields', { key: 'rubro', label: 'Rubro', type: 'text' });
    await page.goto('/settings/contact-fields');
    await page.getByRole('button', { name: 'Agregar campo' }).first().click();
    const fieldDialog = page.getByRole('dialog', { name: 'Agregar un campo de contacto' });
    await fieldDialog.getByLabel('Nombre', { exact: true }).fill('Rubro');
    await expect.poll(() => fieldDialog.getByLabel('Clave').inputValue()).toBe('rubro');
    await fieldDialog.getByRole('button', { name: 'Agregar campo' }).click();
    await fieldDialog.getByText('Ya hay un campo con la clave «rubro»; elige otra.').waitFor();
    await screenshot(page, 'errors-es-contact-field-key-taken');
    await page.keyboard.press('Escape');

    // Never the server's English words.
    for (const english of ['already used by another account', 'current password is not correct', 'not a phone number', 'already exists']) {
      expect(await page.getByText(english).count()).toBe(0);
    }
    expect(console.errors).toEqual([]);
  });

  it('says the same refusal in English to a reader who picked English', async () => {
    const { page, console } = await e2e.signedInPage({ locale: 'es-AR', theme: 'dark' });
    await page.getByRole('button', { name: 'Menú de la cuenta' }).first().click();
    await page.getByRole('menuitemradio', { name: 'English' }).click();
    await page.keyboard.press('Escape');

    const blockDialog = await blockWithoutDigits(page, { action: 'Block a number', phone: 'Phone number', reason: 'Reason' }, 'no number', 'Asked not to be contacted');
    await blockDialog.getByText('That is not a phone number: write at least one digit.').waitFor();
    await screenshot(page, 'errors-en-blacklist-not-a-phone');
    expect(console.errors).toEqual([]);
  });
});
