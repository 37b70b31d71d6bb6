import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser, buildUser, signIn } from '../../../test/factories';
import { totpCodeAt } from '../../modules/identity';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'trace', BODY_LIMIT_BYTES: '65536' } });
});
afterAll(async () => {
  await t?.close();
});

describe('platform endpoints', () => {
  it('answers /health and /ready', async () => {
    expect((await t.client().get('/health')).body).toEqual({ status: 'ok' });
    const ready = await t.client().get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('publishes the OpenAPI document and the browsable docs', async () => {
    const doc = await t.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/users', '/api/v1/users/{id}', '/api/v1/audit']));
    expect(doc.body.paths['/api/v1/auth/login'].post.requestBody).toBeDefined();
    const docs = await t.client().get('/api/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });

  it('sets security headers and a CSP that forbids inline script', async () => {
    const res = await t.client().get('/health');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
  });

  it('echoes a sane request id and puts it in error bodies', async () => {
    const res = await t.client().get('/api/v1/nope', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'Route not found', requestId: 'abc-123' } });
    const weird = await t.client().get('/health', { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    expect(weird.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400 and the error model', async () => {
    const res = await t.client().request('POST', '/api/v1/auth/login', { rawBody: '{"login": "x", ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.requestId).toBeTruthy();
  });

  it('names the invalid fields', async () => {
    const { client } = await buildSignedInUser(t);
    const res = await client.post('/api/v1/users', { email: 'not-an-email', name: '', roleId: 'x', password: 'short' });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.issues.map((i: { field: string }) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.name', 'body.roleId', 'body.password']));
  });

  it('refuses an oversized body with 413 and stores nothing', async () => {
    const { client } = await buildSignedInUser(t);
    const before = (await client.get('/api/v1/roles')).body.items.length;
    const res = await client.post('/api/v1/roles', { name: 'Huge', description: 'x'.repeat(70_000), permissions: [] });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect((await client.get('/api/v1/roles')).body.items.length).toBe(before);
  });

  it('limits sign-in attempts per address and process', async () => {
    const limited = await startTestApp({ db: t.db, env: { AUTH_RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      const client = limited.client();
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await client.post('/api/v1/auth/login', { login: 'a@b.test', password: 'x' })).status);
      expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(5)).toEqual([429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('Idempotency-Key', () => {
  it('creates once and replays the same answer for a retry', async () => {
    const { client } = await buildSignedInUser(t);
    const body = { name: 'Replayed', permissions: ['contacts.read'] };
    const headers = { 'idempotency-key': 'create-role-0001' };
    const first = await client.request('POST', '/api/v1/roles', { body, headers });
    const second = await client.request('POST', '/api/v1/roles', { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const roles = (await client.get('/api/v1/roles')).body.items.filter((r: { name: string }) => r.name === 'Replayed');
    expect(roles).toHaveLength(1);
    const different = await client.request('POST', '/api/v1/roles', { body: { ...body, name: 'Other' }, headers });
    expect(different.status).toBe(409);
  });
});

describe('logs', () => {
  it('writes each request’s lines with its request id (the request logger is made only when it writes)', async () => {
    const before = t.logs.length;
    const res = await t.client().get('/api/v1/nope', { headers: { 'x-request-id': 'log-probe-1' } });
    expect(res.status).toBe(404);
    const lines = t.logs.slice(before).map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
    expect(lines.filter((l) => l.reqId === 'log-probe-1').map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it('never contain a password, a TOTP secret, a session cookie or an API key', async () => {
    const password = 'canary-password-7f3a9c';
    const user = await buildUser(t, { password });
    const client = await signIn(t, user);
    const cookie = [...client.cookies.values()][0]!;
    const setup = await client.post('/api/v1/auth/2fa/setup');
    const secret: string = setup.body.secret;
    await client.post('/api/v1/auth/2fa/confirm', { code: totpCodeAt(secret, new Date()) });
    const key = await client.post('/api/v1/api-keys', { name: 'canary', permissions: ['users.read'] });
    const token: string = key.body.token;
    await t.client().withBearer(token).get('/api/v1/users');
    await t.client().post('/api/v1/auth/login', { login: user.email, password: `${password}-wrong` });
    await client.post('/api/v1/auth/password', { currentPassword: password, newPassword: 'canary-new-password-1' });
    // Failing database statements whose parameters include the secret.
    expect((await client.post('/api/v1/roles', { name: password, permissions: [] })).status).toBe(201);
    const duplicate = await client.post('/api/v1/roles', { name: password, permissions: [] });
    expect(duplicate.status).toBe(409);
    const all = t.logs.join('\n');
    expect(all).toContain('unique constraint violated');
    expect(t.logs.length).toBeGreaterThan(10);
    for (const canary of [password, 'canary-new-password-1', secret, cookie, token, token.split('.').at(-1)!]) {
      expect(all.includes(canary), `log leaked ${canary.slice(0, 6)}…`).toBe(false);
    }
  });
});
