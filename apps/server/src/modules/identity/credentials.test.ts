import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser, buildTenant, buildUser, signIn } from '../../../test/factories';
import { FakeClock } from '../../../test/clock';
import { users } from './identity.tables';
import { LOGIN_LIMITS } from './login-throttle';

const clock = new FakeClock('2026-11-22T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  // The per-process limiter counts real minutes; this file moves a fake clock through the database limits.
  t = await startTestApp({ clock, env: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
});
afterAll(async () => {
  await t?.close();
});

describe('passwords', () => {
  it('stores argon2id with at least 19 MiB of memory and two passes', async () => {
    const user = await buildUser(t);
    const [row] = await t.db.withTenant(user.tenantId, (tx) =>
      tx.select({ hash: users.passwordHash }).from(users).where(and(eq(users.tenantId, user.tenantId), eq(users.id, user.id))),
    );
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(row!.hash);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19 * 1024);
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(row!.hash).not.toContain(user.password);
  });

  it.each([
    ['64 characters', 'x'.repeat(31) + 'Y'.repeat(33)],
    ['non-ASCII', 'contraseña — пароль 密码 🔐 ñandú'],
  ])('accepts a %s password', async (_label, password) => {
    const user = await buildUser(t, { password });
    const ok = await t.client().post('/api/v1/auth/login', { login: user.email, password });
    expect(ok.status).toBe(200);
    const nearly = await t.client().post('/api/v1/auth/login', { login: user.email, password: password.slice(0, -1) });
    expect(nearly.status).toBe(401);
  });

  it('refuses a password over 256 characters before hashing it', async () => {
    const res = await t.client().post('/api/v1/auth/login', { login: 'someone@x.test', password: 'p'.repeat(257) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('brute-force limits', () => {
  it('blocks an account after ten failures, also for the right password, until the window passes', async () => {
    const user = await buildUser(t);
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++) {
      const c = t.client();
      expect((await c.post('/api/v1/auth/login', { login: user.email, password: `wrong-${i}` })).status).toBe(401);
    }
    const blocked = await t.client().post('/api/v1/auth/login', { login: user.email, password: user.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    clock.advance(LOGIN_LIMITS.account.windowMs - 1000);
    expect((await t.client().post('/api/v1/auth/login', { login: user.email, password: user.password })).status).toBe(429);
    clock.advance(2000);
    expect((await t.client().post('/api/v1/auth/login', { login: user.email, password: user.password })).status).toBe(200);
  });

  it('treats an unknown account exactly like a known one', async () => {
    const login = 'ghost@nowhere.test';
    const answers = [];
    for (let i = 0; i <= LOGIN_LIMITS.account.max; i++) answers.push((await t.client().post('/api/v1/auth/login', { login, password: 'x' })).status);
    expect(answers.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(answers.at(-1)).toBe(429);
    clock.advance(LOGIN_LIMITS.account.windowMs + 1000);
  });

  it('blocks an address that tries many accounts', async () => {
    const tenant = await buildTenant(t);
    const victim = await buildUser(t, { tenant });
    const attacker = t.client();
    for (let i = 0; i < LOGIN_LIMITS.ip.max; i++) {
      const res = await attacker.post('/api/v1/auth/login', { login: `user${i}@spray.test`, password: 'Winter2026!' });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const blocked = await attacker.post('/api/v1/auth/login', { login: victim.email, password: victim.password });
    expect(blocked.status).toBe(429);
    const elsewhere = t.client();
    expect((await elsewhere.post('/api/v1/auth/login', { login: victim.email, password: victim.password })).status).toBe(200);
    clock.advance(LOGIN_LIMITS.ip.windowMs + 1000);
  });
});

describe('API keys', () => {
  it('is shown once, works as a Bearer token within its permissions, and stops when revoked', async () => {
    const { client, user } = await buildSignedInUser(t);
    const created = await client.post('/api/v1/api-keys', { name: 'CRM sync', permissions: ['users.read'] });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^lmk_/);
    const list = await client.get('/api/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(token.split('.').at(-1));
    const api = t.client().withBearer(token);
    const read = await api.get('/api/v1/users');
    expect(read.status).toBe(200);
    expect(read.body.items.map((u: { id: string }) => u.id)).toContain(user.id);
    expect((await api.post('/api/v1/api-keys', { name: 'escalate', permissions: ['users.read'] })).status).toBe(403);
    expect((await api.post('/api/v1/auth/password', { currentPassword: 'x', newPassword: 'y'.repeat(12) })).status).toBe(403);
    expect((await client.delete(`/api/v1/api-keys/${created.body.apiKey.id}`)).status).toBe(200);
    expect((await api.get('/api/v1/users')).status).toBe(401);
    const audit = await client.get('/api/v1/audit?action=api_key.created');
    expect(audit.body.items).toHaveLength(1);
  });

  it('cannot hold a permission its creator lacks', async () => {
    const owner = await buildSignedInUser(t);
    const { client: manager } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'admin' });
    const res = await manager.post('/api/v1/api-keys', { name: 'billing', permissions: ['billing.manage'] });
    expect(res.status).toBe(403);
  });

  it('refuses malformed and forged tokens with 401', async () => {
    const { client, user } = await buildSignedInUser(t);
    const created = await client.post('/api/v1/api-keys', { name: 'k', permissions: ['users.read'] });
    const token: string = created.body.token;
    const other = await buildTenant(t);
    const forgedTenant = token.replace(user.tenantId, other.id);
    for (const bad of ['garbage', 'lmk_', `${token}x`, forgedTenant, token.slice(0, -2)]) {
      expect((await t.client().withBearer(bad).get('/api/v1/users')).status, bad).toBe(401);
    }
  });
});

describe('users and roles', () => {
  it('does not let an admin create an owner or change an owner', async () => {
    const owner = await buildSignedInUser(t);
    const { client: admin } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'admin' });
    const roles = (await admin.get('/api/v1/roles')).body.items as { id: string; builtin: string | null }[];
    const ownerRole = roles.find((r) => r.builtin === 'owner')!;
    const create = await admin.post('/api/v1/users', { email: 'new@x.test', name: 'New', roleId: ownerRole.id, password: 'a long password' });
    expect(create.status).toBe(403);
    expect((await admin.patch(`/api/v1/users/${owner.user.id}`, { status: 'disabled' })).status).toBe(403);
  });

  it('keeps at least one active owner', async () => {
    const owner = await buildSignedInUser(t);
    const roles = (await owner.client.get('/api/v1/roles')).body.items as { id: string; builtin: string | null }[];
    const res = await owner.client.patch(`/api/v1/users/${owner.user.id}`, { roleId: roles.find((r) => r.builtin === 'admin')!.id });
    expect(res.status).toBe(409);
  });

  it('creates custom roles from the catalogue and records role changes', async () => {
    const owner = await buildSignedInUser(t);
    const role = await owner.client.post('/api/v1/roles', { name: 'Validators', permissions: ['contacts.read', 'contacts.validate'] });
    expect(role.status).toBe(201);
    const bogus = await owner.client.post('/api/v1/roles', { name: 'Bogus', permissions: ['contacts.read', 'root.everything'] });
    expect(bogus.status).toBe(400);
    const agent = await buildUser(t, { tenant: owner.user.tenant, role: 'agent' });
    const changed = await owner.client.patch(`/api/v1/users/${agent.id}`, { roleId: role.body.id });
    expect(changed.status).toBe(200);
    expect(changed.body.roleName).toBe('Validators');
    const agentClient = await signIn(t, agent);
    const me = await agentClient.get('/api/v1/auth/me');
    expect(me.body.permissions.sort()).toEqual(['contacts.read', 'contacts.validate']);
    const audit = await owner.client.get('/api/v1/audit?action=user.role_changed');
    expect(audit.body.items[0].details).toEqual({ from: 'agent', to: 'Validators' });
    expect((await owner.client.delete(`/api/v1/roles/${role.body.id}`)).status).toBe(409);
  });

  it('rejects another tenant, a role or an owner smuggled into a body (mass assignment)', async () => {
    const owner = await buildSignedInUser(t);
    const other = await buildTenant(t);
    const roles = (await owner.client.get('/api/v1/roles')).body.items as { id: string; builtin: string | null }[];
    const viewer = roles.find((r) => r.builtin === 'viewer')!;
    const attempts = [
      { email: 'a@x.test', name: 'A', roleId: viewer.id, password: 'long enough pw', tenantId: other.id },
      { email: 'b@x.test', name: 'B', roleId: viewer.id, password: 'long enough pw', role: 'owner' },
      { email: 'c@x.test', name: 'C', roleId: viewer.id, password: 'long enough pw', permissions: ['billing.manage'] },
      { email: 'd@x.test', name: 'D', roleId: viewer.id, password: 'long enough pw', id: owner.user.id },
    ];
    for (const body of attempts) {
      const res = await owner.client.post('/api/v1/users', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const key = await owner.client.post('/api/v1/api-keys', { name: 'k', permissions: ['users.read'], createdBy: other.id });
    expect(key.status).toBe(400);
    const patch = await owner.client.patch(`/api/v1/users/${owner.user.id}`, { tenantId: other.id });
    expect(patch.status).toBe(400);
    const list = await owner.client.get('/api/v1/users');
    expect(list.body.items).toHaveLength(1);
  });
});
