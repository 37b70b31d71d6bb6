import { describe, expect, it } from 'vitest';
import { PHONE, screenshot, waitSignedIn } from './browser';
import { completeSetup, OWNER, signIn, signOut, useServerAndBrowser } from './flows';
import { authenticator } from './totp';

const e2e = useServerAndBrowser();

describe('first run, two-factor enrolment and a two-step sign-in', () => {
  it('sets up the workspace, turns on 2FA from Settings → My account, and signs in again with a code', async () => {
    const { page, console } = await e2e.newContext();

    await page.goto('/');
    await page.getByRole('heading', { name: 'Set up LeadMaster' }).waitFor();
    await page.getByLabel('Workspace name').fill('Acme Sales');
    // The short name follows the workspace name until edited.
    expect(await page.getByLabel('Short name').inputValue()).toBe('acme-sales');
    await completeSetup(page, { workspace: 'Acme Sales', screenshots: 'desktop-dark' });

    // Signed in straight away, on the start page, with the workspace in the sidebar.
    await page.getByRole('heading', { name: 'Inbox', exact: true }).waitFor();
    expect(await page.getByTestId('workspace-name').first().textContent()).toBe('Acme Sales');
    // The realtime socket connects with the session cookie.
    await page.locator('[data-testid="realtime-status"][data-status="open"]:visible').waitFor();

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'My account' }).click();
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const key = await page.getByTestId('totp-secret').textContent();
    expect(key).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    await screenshot(page, 'security-2fa-enrol-desktop-dark');

    const app = authenticator(key!);
    await page.getByLabel('Code from the app').fill(app.next());
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(codes).toHaveLength(10);
    await screenshot(page, 'security-recovery-codes-desktop-dark');

    // "Finish" waits for the user to confirm they kept the codes.
    const finish = page.getByRole('button', { name: 'Finish' });
    expect(await finish.isDisabled()).toBe(true);
    await page.getByLabel('I have saved my recovery codes').check();
    await finish.click();
    await page.getByText('Two-factor authentication is on.').first().waitFor();
    await page.getByRole('button', { name: 'New recovery codes' }).waitFor();

    await signOut(page);
    await screenshot(page, 'login-desktop-dark');

    // A wrong password says so and is recorded as a failure.
    await signIn(page, OWNER.email, 'not the password');
    await page.getByText('The login or password is not correct.').waitFor();

    await signIn(page, OWNER.email, OWNER.password);
    await page.getByRole('heading', { name: 'Two-factor verification' }).waitFor();
    await screenshot(page, 'login-totp-desktop-dark');
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not valid.').waitFor();
    await page.getByLabel('Authentication code').fill(app.next());
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitSignedIn(page);
    expect(new URL(page.url()).pathname).toBe('/inbox');

    // The audit log shows the sign-ins, failures in red.
    await page.goto('/settings/audit');
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    expect(await page.getByRole('cell', { name: /Turned on two-factor/ }).count()).toBe(1);
    const failed = page.locator('tr[data-outcome="failure"]');
    expect(await failed.count()).toBeGreaterThanOrEqual(1);
    expect(await failed.first().getByText('Failed').isVisible()).toBe(true);
    await screenshot(page, 'audit-desktop-dark');

    expect(console.errors).toEqual([]);
  });

  it('shows the sign-in and two-factor steps on a phone', async () => {
    const { page, console } = await e2e.newContext({ viewport: PHONE });
    await page.goto('/settings/users');
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await screenshot(page, 'login-phone-dark');
    await signIn(page, OWNER.email, OWNER.password);
    await page.getByRole('heading', { name: 'Two-factor verification' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').waitFor();
    await screenshot(page, 'login-recovery-phone-dark');
    expect(console.errors).toEqual([]);
  });
});
