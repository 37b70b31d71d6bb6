import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PHONE, screenshot, waitSignedIn } from './browser';
import { apiPost, completeSetup, signIn, signOut, useServerAndBrowser } from './flows';

const e2e = useServerAndBrowser();

const ANA = { name: 'Ana Inbox', email: 'ana@acme.test', password: 'ana-password-123' };
const BRUNO = { name: 'Bruno Agent', email: 'bruno@acme.test', password: 'bruno-password-123' };

async function settingsNav(page: Page) {
  return page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link').allTextContents();
}

describe('permissions in the interface', () => {
  it('an owner creates a role and a user through the UI; that user cannot open the users screen', async () => {
    const { page, console } = await e2e.newContext();
    await completeSetup(page);

    // A custom role that only works the inbox (no users.read).
    await page.goto('/settings/roles');
    await page.getByRole('button', { name: 'Create role' }).click();
    const roleDialog = page.getByRole('dialog', { name: 'Create a role' });
    await roleDialog.getByLabel('Name', { exact: true }).fill('Inbox only');
    await roleDialog.getByLabel('See conversations').check();
    await roleDialog.getByLabel('Reply to conversations').check();
    await screenshot(page, 'roles-create-dialog-desktop-dark');
    await roleDialog.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('Role created.').first().waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Inbox only' }).waitFor();

    // A user with that role, through the create-user dialog.
    await page.goto('/settings/users');
    await page.getByRole('button', { name: 'Create user' }).click();
    const userDialog = page.getByRole('dialog', { name: 'Create a user' });
    await userDialog.getByLabel('Name', { exact: true }).fill(ANA.name);
    await userDialog.getByLabel('Email').fill(ANA.email);
    await userDialog.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'Inbox only' }).click();
    await userDialog.getByLabel('Initial password').fill('short');
    await userDialog.getByRole('button', { name: 'Create user' }).click();
    await userDialog.getByText('Use at least 10 characters').waitFor();
    await userDialog.getByLabel('Initial password').fill(ANA.password);
    await screenshot(page, 'users-create-dialog-desktop-dark');
    await userDialog.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`${ANA.name} can now sign in.`).first().waitFor();
    await page.getByRole('cell', { name: new RegExp(ANA.email) }).waitFor();

    // The built-in agent, through the API with the owner's session.
    const roles = await page.request.get('/api/v1/roles').then((r) => r.json() as Promise<{ items: { id: string; builtin: string | null }[] }>);
    const agentRole = roles.items.find((r) => r.builtin === 'agent')!;
    await apiPost(page, '/api/v1/users', { ...BRUNO, roleId: agentRole.id });
    await page.reload();
    await page.getByRole('cell', { name: new RegExp(BRUNO.email) }).waitFor();
    await screenshot(page, 'users-desktop-dark');

    await signOut(page);
    await signIn(page, ANA.email, ANA.password);
    await waitSignedIn(page);
    const mainNav = await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link').allTextContents();
    expect(mainNav).toEqual(['Inbox', 'Settings']);

    await page.goto('/settings/users');
    await page.getByRole('heading', { name: "You don't have access to this page" }).waitFor();
    expect(await page.getByText('users.read').isVisible()).toBe(true);
    expect(await settingsNav(page)).toEqual(['Workspace', 'Inbox', 'My account']);
    await screenshot(page, 'no-access-desktop-dark');

    // The workspace settings are visible but read-only for this role.
    await page.getByRole('link', { name: 'Workspace' }).click();
    await page.getByText('You can see these settings but your role cannot change them.').waitFor();
    expect(await page.getByLabel('Workspace name').isDisabled()).toBe(true);

    expect(console.errors).toEqual([]);
  });

  it('the built-in agent cannot open the users screen, the audit log or API keys', async () => {
    const { page, console } = await e2e.newContext({ viewport: PHONE });
    await page.goto('/settings/audit');
    await signIn(page, BRUNO.email, BRUNO.password);
    // The deep link survives signing in: the agent lands on the page they asked for, without access.
    await page.getByRole('heading', { name: "You don't have access to this page" }).waitFor();
    await screenshot(page, 'no-access-phone-dark');
    expect(await settingsNav(page)).toEqual(['Workspace', 'Inbox', 'My account']);

    await page.goto('/settings/users');
    await page.getByRole('heading', { name: "You don't have access to this page" }).waitFor();
    expect(await page.getByText('users.read').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create user' }).count()).toBe(0);
    const users = await page.request.get('/api/v1/users');
    expect(users.status()).toBe(403);

    // The drawer offers only what the agent may open.
    await page.getByRole('button', { name: 'Open menu' }).click();
    const drawer = page.getByRole('dialog', { name: 'Main navigation' });
    const items = await drawer.getByRole('navigation').getByRole('link').allTextContents();
    expect(items).toEqual(['Inbox', 'Contacts', 'Campaigns', 'Calendar', 'Channels', 'Settings']);
    await screenshot(page, 'drawer-phone-dark');
    await drawer.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('heading', { name: 'Contacts', exact: true }).waitFor();
    expect(await drawer.isVisible()).toBe(false);

    expect(console.errors).toEqual([]);
  });
});
