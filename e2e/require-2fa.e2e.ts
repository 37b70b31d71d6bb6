import { describe, expect, it } from 'vitest';
import { PHONE, screenshot, waitSignedIn } from './browser';
import { apiPost, completeSetup, signIn, signOut, useServerAndBrowser } from './flows';
import { authenticator } from './totp';

const e2e = useServerAndBrowser();

let ownerRecoveryCodes: string[] = [];
const CARLA = { name: 'Carla Manager', email: 'carla@acme.test', password: 'carla-password-123' };

describe('a workspace that requires two-factor', () => {
  it('sends everyone without it to the enrolment screen until they set it up', async () => {
    const { page, console } = await e2e.newContext();
    await completeSetup(page);
    const roles = await page.request.get('/api/v1/roles').then((r) => r.json() as Promise<{ items: { id: string; builtin: string | null }[] }>);
    await apiPost(page, '/api/v1/users', { ...CARLA, roleId: roles.items.find((r) => r.builtin === 'manager')!.id });

    await page.goto('/settings/workspace');
    await page.getByRole('switch', { name: 'Require two-factor for everyone' }).click();
    // The owner has no two-factor yet: the page says what will happen next.
    await page.getByText('you will be asked to right after saving').waitFor();
    await screenshot(page, 'workspace-require-2fa-desktop-dark');
    await page.getByRole('button', { name: 'Save changes' }).click();

    await page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
    expect(await page.getByText('Acme Sales requires two-factor authentication for everyone.').isVisible()).toBe(true);
    // Nothing else is reachable meanwhile, whatever the address.
    await page.goto('/settings/users');
    await page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).count()).toBe(0);
    await screenshot(page, 'enrol-required-desktop-dark');

    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const app = authenticator((await page.getByTestId('totp-secret').textContent())!);
    await page.getByLabel('Code from the app').fill(app.next());
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    ownerRecoveryCodes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(ownerRecoveryCodes).toHaveLength(10);
    await page.getByLabel('I have saved my recovery codes').check();
    await page.getByRole('button', { name: 'Finish' }).click();
    // Back to the page that was asked for.
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await signOut(page);

    // A manager without two-factor meets the same screen after signing in, on a phone too.
    const phone = await e2e.newContext({ viewport: PHONE, theme: 'light' });
    await phone.page.goto('/');
    await signIn(phone.page, CARLA.email, CARLA.password);
    await phone.page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
    await phone.page.getByRole('button', { name: 'Set up two-factor' }).click();
    await phone.page.getByTestId('totp-secret').waitFor();
    await screenshot(phone.page, 'enrol-required-phone-light');
    // Signing out is always possible.
    await phone.page.getByRole('button', { name: 'Sign out' }).click();
    await phone.page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();

    expect(console.errors).toEqual([]);
    expect(phone.console.errors).toEqual([]);
  });

  it('signs in with a recovery code, and two-factor cannot be turned off while required', async () => {
    const { page, console } = await e2e.newContext();
    await page.goto('/settings/security');
    await signIn(page, 'olga@acme.test', 'correct horse battery');
    await page.getByRole('heading', { name: 'Two-factor verification' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill('wrong-code-123');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not valid.').waitFor();
    await page.getByLabel('Recovery code').fill(ownerRecoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitSignedIn(page);

    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.getByText('Your workspace requires two-factor authentication, so it cannot be turned off.').waitFor();
    expect(await page.getByRole('button', { name: 'Turn off' }).count()).toBe(0);
    expect(console.errors).toEqual([]);
  });
});
