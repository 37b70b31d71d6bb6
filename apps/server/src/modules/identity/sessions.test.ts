import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser, buildUser, signIn } from '../../../test/factories';
import { totpCodeAt } from './totp';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** A second browser holding the same cookie as `client`. */
function cloneClient(client: TestClient): TestClient {
  const copy = t.client();
  copy.cookies = new Map(client.cookies);
  return copy;
}

describe('session revocation', () => {
  it('ends the session on logout: the old cookie answers 401', async () => {
    const { client } = await buildSignedInUser(t);
    const stolen = cloneClient(client);
    expect((await client.post('/api/v1/auth/logout')).status).toBe(200);
    expect((await stolen.get('/api/v1/auth/me')).status).toBe(401);
    expect((await client.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('ends every other session when the password changes, keeping the changer signed in', async () => {
    const { user, client } = await buildSignedInUser(t);
    const other = await signIn(t, user);
    const old = cloneClient(client);
    const res = await client.post('/api/v1/auth/password', { currentPassword: user.password, newPassword: 'a brand new password' });
    expect(res.status).toBe(200);
    expect((await other.get('/api/v1/auth/me')).status).toBe(401);
    expect((await old.get('/api/v1/auth/me')).status).toBe(401);
    expect((await client.get('/api/v1/auth/me')).status).toBe(200);
    const relogin = await t.client().post('/api/v1/auth/login', { login: user.email, password: 'a brand new password' });
    expect(relogin.status).toBe(200);
  });

  it('ends sessions when two-factor is turned on', async () => {
    const { user, client } = await buildSignedInUser(t);
    const other = await signIn(t, user);
    const setup = await client.post('/api/v1/auth/2fa/setup');
    expect(setup.status).toBe(200);
    expect(setup.body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const confirm = await client.post('/api/v1/auth/2fa/confirm', { code: totpCodeAt(setup.body.secret, new Date()) });
    expect(confirm.status).toBe(200);
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    expect((await other.get('/api/v1/auth/me')).status).toBe(401);
    expect((await client.get('/api/v1/auth/me')).body.user.twoFactorEnabled).toBe(true);
  });

  it('ends sessions when an admin disables the user', async () => {
    const owner = await buildSignedInUser(t);
    const { user: agent, client: agentClient } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'agent' });
    const res = await owner.client.patch(`/api/v1/users/${agent.id}`, { status: 'disabled' });
    expect(res.status).toBe(200);
    expect((await agentClient.get('/api/v1/auth/me')).status).toBe(401);
    const relogin = await t.client().post('/api/v1/auth/login', { login: agent.email, password: agent.password });
    expect(relogin.status).toBe(401);
  });

  it('refuses a cookie whose secret was tampered with', async () => {
    const { client } = await buildSignedInUser(t);
    const [name, value] = [...client.cookies][0]!;
    const forged = t.client();
    forged.cookies.set(name, value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect((await forged.get('/api/v1/auth/me')).status).toBe(401);
  });
});

describe('cookie', () => {
  it('is HttpOnly and SameSite, without Secure over plain HTTP', async () => {
    const user = await buildUser(t);
    const res = await t.client().post('/api/v1/auth/login', { login: user.email, password: user.password });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^lm_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('is Secure with the __Host- prefix when served over HTTPS', async () => {
    const secure = await startTestApp({ db: t.db, env: { PUBLIC_URL: 'https://crm.example.test' } });
    try {
      const user = await buildUser(secure);
      const client = secure.client();
      client.origin = 'https://crm.example.test';
      const res = await client.post('/api/v1/auth/login', { login: user.email, password: user.password });
      expect(res.status).toBe(200);
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(/^__Host-lm_session=/);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toMatch(/Domain=/);
    } finally {
      await secure.close();
    }
  });
});

describe('CSRF', () => {
  it('refuses a state-changing cookie request from a foreign or missing Origin', async () => {
    const { user, client } = await buildSignedInUser(t);
    client.origin = 'https://evil.example';
    expect((await client.post('/api/v1/auth/logout')).status).toBe(403);
    client.origin = null;
    const noOrigin = await client.post('/api/v1/auth/logout');
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.error.code).toBe('csrf_rejected');
    const viaReferer = await client.request('POST', '/api/v1/auth/logout', { body: {}, headers: { referer: 'http://localhost/settings' } });
    expect(viaReferer.status).toBe(200);
    expect((await signIn(t, user)).cookies.size).toBe(1);
  });

  it('refuses a form-encoded POST (what a cross-site form can send)', async () => {
    const user = await buildUser(t);
    const client = t.client();
    const res = await client.request('POST', '/api/v1/auth/login', {
      rawBody: `login=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(client.cookies.size).toBe(0);
  });

  it('needs no Origin for API-key requests, which carry no cookie', async () => {
    const { client } = await buildSignedInUser(t);
    const created = await client.post('/api/v1/api-keys', { name: 'integration', permissions: ['users.read', 'roles.manage'] });
    expect(created.status).toBe(201);
    const api = t.client().withBearer(created.body.token);
    api.origin = null;
    const res = await api.post('/api/v1/roles', { name: 'Integrators', permissions: [] });
    expect(res.status).toBe(201);
  });
});
