import { screenshot, waitSignedIn } from './browser';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export const OWNER = { name: 'Olga Owner', email: 'olga@acme.test', password: 'correct horse battery' };

/** Runs the first-run wizard through the UI; ends signed in as the owner on the start page. */
export async function completeSetup(page: Page, options: { workspace?: string; language?: 'English' | 'Español'; screenshots?: string } = {}) {
  await page.goto('/');
  await page.getByRole('heading', { name: /Set up LeadMaster|Configura LeadMaster/ }).waitFor();
  await page.getByLabel(/Workspace name|Nombre del espacio/).fill(options.workspace ?? 'Acme Sales');
  if (options.language) {
    await page.getByRole('combobox', { name: /^(Language|Idioma)$/ }).click();
    await page.getByRole('option', { name: options.language }).click();
  }
  if (options.screenshots) await screenshot(page, `setup-step1-${options.screenshots}`);
  await page.getByRole('button', { name: /Continue|Continuar/ }).click();
  await page.getByLabel(/Your name|Tu nombre/).fill(OWNER.name);
  await page.getByLabel(/^Email$/).fill(OWNER.email);
  await page.getByLabel(/^(Password|Contraseña)$/).fill(OWNER.password);
  await page.getByLabel(/Repeat the password|Repite la contraseña/).fill(OWNER.password);
  if (options.screenshots) await screenshot(page, `setup-step2-${options.screenshots}`);
  await page.getByRole('button', { name: /Create workspace|Crear espacio de trabajo/ }).click();
  await waitSignedIn(page);
}

export async function signIn(page: Page, login: string, password: string) {
  await page.getByLabel(/Email or username|Email o nombre de usuario/).fill(login);
  await page.getByLabel(/^(Password|Contraseña)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|Ingresar)$/ }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: /Account menu|Menú de la cuenta/ }).first().click();
  await page.getByRole('menuitem', { name: /Sign out|Cerrar sesión/ }).click();
  await page.getByRole('heading', { name: /^(Sign in|Iniciar sesión)$/ }).waitFor();
}

/** Calls the API with the page's cookies, as the browser would (same origin, JSON). */
export async function apiPost<T>(page: Page, url: string, body: unknown): Promise<T> {
  const base = new URL(page.url()).origin;
  const response = await page.request.post(url, { data: body, headers: { origin: base } });
  expect(response.ok(), `${url} → ${response.status()} ${await response.text()}`).toBe(true);
  return (await response.json()) as T;
}

/** Creates the workspace and its owner (OWNER, login `olga`) through the setup API, as the setup screen would. */
export async function setUpWorkspace(serverUrl: string, tenant: { name?: string; slug?: string; locale?: 'en' | 'es' } = {}) {
  const response = await fetch(`${serverUrl}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: serverUrl },
    body: JSON.stringify({
      tenant: { name: 'Acme Sales', slug: 'acme', timezone: 'America/Argentina/Buenos_Aires', country: 'AR', locale: 'en', ...tenant },
      owner: { ...OWNER, username: 'olga' },
    }),
  });
  if (response.status !== 201) throw new Error(`setup answered ${response.status}: ${await response.text()}`);
}
