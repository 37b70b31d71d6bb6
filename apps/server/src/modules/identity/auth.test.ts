import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildUser } from '../../../test/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('login', () => {
  it('signs in with email or username and answers /me', async () => {
    const user = await buildUser(t);
    for (const login of [user.email, user.username, user.email.toUpperCase()]) {
      const client = t.client();
      const res = await client.post('/api/v1/auth/login', { login, password: user.password });
      expect(res.status).toBe(200);
      const me = await client.get('/api/v1/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(user.id);
      expect(me.body.permissions).toContain('users.manage');
    }
  });

  it('answers an unknown account exactly like a wrong password', async () => {
    const user = await buildUser(t);
    const wrong = await t.client().post('/api/v1/auth/login', { login: user.email, password: 'not-the-password' });
    const unknown = await t.client().post('/api/v1/auth/login', { login: 'nobody@nowhere.test', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: any) => ({ ...b.error, requestId: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
  });
});
