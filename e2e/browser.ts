import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Reads a value in the page (a string expression: this file is compiled without the DOM types). */
export const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;

/** Console errors and uncaught exceptions of every page in a context (CSP violations show up here). */
export type ConsoleLog = { errors: string[] };

export async function newContext(
  browser: Browser,
  options: { baseURL: string; viewport?: { width: number; height: number }; locale?: string; theme?: 'dark' | 'light' },
): Promise<{ context: BrowserContext; page: Page; console: ConsoleLog }> {
  const context = await browser.newContext({
    baseURL: options.baseURL,
    viewport: options.viewport ?? DESKTOP,
    locale: options.locale ?? 'en-US',
    timezoneId: 'America/Argentina/Buenos_Aires',
    acceptDownloads: true,
  });
  if (options.theme === 'light') {
    // Also runs in about:blank, where storage is off limits.
    await context.addInitScript("try { localStorage.setItem('lm.theme', 'light') } catch {}");
  }
  const log: ConsoleLog = { errors: [] };
  context.on('page', (page) => watch(page, log));
  const page = await context.newPage();
  return { context, page, console: log };
}

function watch(page: Page, log: ConsoleLog) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // The browser reports expected 4xx answers (a wrong password, a signed-out /auth/me) as console
    // errors; those are the API working, not the page failing.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    log.errors.push(text);
  });
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`));
}

export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Let transitions and fonts settle so the picture shows the resting state.
  await page.waitForTimeout(250);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the signed-in app shows (the workspace name sits in the sidebar or, on phones, the top bar). */
export async function waitSignedIn(page: Page) {
  await page.locator('[data-testid="workspace-name"]:visible').first().waitFor();
}
