import { DESKTOP, launchBrowser, newContext, screenshot, waitSignedIn } from './browser';
import { startServer, type RunningServer } from './server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

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
/** Switches the interface language from the account menu, as a person would. */
export async function pickLanguage(page: Page, language: 'Español' | 'English') {
  await page.getByRole('button', { name: /Account menu|Menú de la cuenta/ }).first().click();
  await page.getByRole('menuitemradio', { name: language }).click();
  await page.keyboard.press('Escape');
}

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

type ContextOptions = { viewport?: { width: number; height: number }; locale?: string; theme?: 'dark' | 'light' };

/**
 * Starts the product and Chromium before the file's tests (both at once) and stops them after; with
 * `workspace`, also creates the workspace and its owner through the setup API (`{}` for the defaults).
 * Call it at the top of a test file; the accessors throw if used before `beforeAll` has run.
 */
export function useServerAndBrowser(options: { workspace?: Parameters<typeof setUpWorkspace>[1]; env?: Record<string, string> } = {}) {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer({ env: options.env }), launchBrowser()]);
    if (options.workspace) await setUpWorkspace(server.url, options.workspace);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const started = () => {
    if (!server || !browser) throw new Error('useServerAndBrowser: used before its beforeAll ran');
    return { server, browser };
  };
  const context = (contextOptions: ContextOptions = {}) => {
    const { server, browser } = started();
    return newContext(browser, { baseURL: server.url, ...contextOptions });
  };
  return {
    get server() {
      return started().server;
    },
    get browser() {
      return started().browser;
    },
    /** A fresh browser context on the server (desktop, en-US and the dark theme unless told). */
    newContext: context,
    /** A fresh context signed in from the sign-in page, by default as the owner (`olga`). */
    async signedInPage({ login = 'olga', password = OWNER.password, ...contextOptions }: ContextOptions & { login?: string; password?: string } = {}) {
      const opened = await context({ viewport: DESKTOP, ...contextOptions });
      await opened.page.goto('/');
      await signIn(opened.page, login, password);
      await waitSignedIn(opened.page);
      return opened;
    },
  };
}
