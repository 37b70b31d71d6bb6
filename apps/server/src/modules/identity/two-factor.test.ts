import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildUser, signIn, buildSignedInUser } from '../../../test/factories';
import { FakeClock } from '../../../test/clock';
import { totpCodeAt, totpStep } from './totp';

const clock = new FakeClock('2026-11-22T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

describe('TOTP (RFC 6238)', () => {
  // Appendix B, SHA1, secret "12345678901234567890"; 6-digit codes are the last six digits.
  const secret = Secret.fromUTF8('12345678901234567890').base32;
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  it.each(vectors)('at T=%i gives %s', (seconds, eight) => {
    const at = new Date(seconds * 1000);
    expect(totpCodeAt(secret, at)).toBe(eight.slice(-6));
    expect(totpStep({ secret, code: eight.slice(-6), at })).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step of drift either way and nothing further', () => {
    const at = new Date(1_800_000_000_000);
    const code = totpCodeAt(secret, at);
    expect(totpStep({ secret, code, at: new Date(at.getTime() + 30_000) })).not.toBeNull();
    expect(totpStep({ secret, code, at: new Date(at.getTime() - 30_000) })).not.toBeNull();
    expect(totpStep({ secret, code, at: new Date(at.getTime() + 61_000) })).toBeNull();
    expect(totpStep({ secret, code, at: new Date(at.getTime() - 61_000) })).toBeNull();
  });
});

describe('login with a second factor', () => {
  it('asks for the code after the password and signs in only with a valid one', async () => {
    const user = await buildUser(t, { totp: true });
    const client = t.client();
    const first = await client.post('/api/v1/auth/login', { login: user.email, password: user.password });
    expect(first.body.status).toBe('totp_required');
    expect((await client.get('/api/v1/auth/me')).status).toBe(401);
    const wrong = await client.post('/api/v1/auth/login/totp', { code: '000000' === totpCodeAt(user.totpSecret!, clock.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_totp');
    const ok = await client.post('/api/v1/auth/login/totp', { code: totpCodeAt(user.totpSecret!, clock.now()) });
    expect(ok.status).toBe(200);
    expect((await client.get('/api/v1/auth/me')).status).toBe(200);
  });

  it('accepts a code once: 20 parallel submissions of one code, exactly one succeeds', async () => {
    clock.advance(60_000);
    const user = await buildUser(t, { totp: true });
    const clients = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const c = t.client();
        const r = await c.post('/api/v1/auth/login', { login: user.email, password: user.password });
        expect(r.body.status).toBe('totp_required');
        return c;
      }),
    );
    const code = totpCodeAt(user.totpSecret!, clock.now());
    const results = await Promise.all(clients.map((c) => c.post('/api/v1/auth/login/totp', { code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // The others are refused as a replay (401), or by the per-user limit once ten have failed (429).
    expect(results.filter((r) => r.status === 401 || r.status === 429)).toHaveLength(19);
  });

  it('accepts a recovery code once', async () => {
    clock.advance(60_000);
    const { client, user } = await buildSignedInUser(t);
    const setup = await client.post('/api/v1/auth/2fa/setup');
    const confirm = await client.post('/api/v1/auth/2fa/confirm', { code: totpCodeAt(setup.body.secret, clock.now()) });
    const [recovery] = confirm.body.recoveryCodes as string[];
    const login = async () => {
      const c = t.client();
      await c.post('/api/v1/auth/login', { login: user.email, password: user.password });
      return c.post('/api/v1/auth/login/totp', { recoveryCode: recovery });
    };
    expect((await login()).status).toBe(200);
    expect((await login()).status).toBe(401);
  });

  it('locks the pending sign-in after five wrong codes', async () => {
    clock.advance(60_000);
    const user = await buildUser(t, { totp: true });
    const client = t.client();
    await client.post('/api/v1/auth/login', { login: user.email, password: user.password });
    const good = totpCodeAt(user.totpSecret!, clock.now());
    const bad = good === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) expect((await client.post('/api/v1/auth/login/totp', { code: bad })).status).toBe(401);
    const locked = await client.post('/api/v1/auth/login/totp', { code: good });
    expect(locked.status).toBe(429);
  });

  it('makes enrolment mandatory when the owner requires two-factor', async () => {
    clock.advance(60_000);
    const owner = await buildSignedInUser(t);
    const { client: agent } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'manager' });
    const set = await owner.client.patch('/api/v1/tenant', { requireTwoFactor: true });
    expect(set.status).toBe(200);
    const blocked = await agent.get('/api/v1/users');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('totp_enrolment_required');
    const me = await agent.get('/api/v1/auth/me');
    expect(me.body.mustEnrolTwoFactor).toBe(true);
    const setup = await agent.post('/api/v1/auth/2fa/setup');
    expect((await agent.post('/api/v1/auth/2fa/confirm', { code: totpCodeAt(setup.body.secret, clock.now()) })).status).toBe(200);
    expect((await agent.get('/api/v1/users')).status).toBe(200);
    expect((await agent.post('/api/v1/auth/2fa/disable', { password: 'whatever-it-is' })).status).toBe(401);
  });

  it('lets only an owner change the two-factor requirement', async () => {
    const owner = await buildSignedInUser(t);
    const { client: admin } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'admin' });
    const res = await admin.patch('/api/v1/tenant', { requireTwoFactor: true });
    expect(res.status).toBe(403);
    expect((await admin.patch('/api/v1/tenant', { name: 'Renamed' })).status).toBe(200);
  });

  it('records 2FA changes and logins in the audit trail', async () => {
    clock.advance(60_000);
    const { client, user } = await buildSignedInUser(t);
    const setup = await client.post('/api/v1/auth/2fa/setup');
    await client.post('/api/v1/auth/2fa/confirm', { code: totpCodeAt(setup.body.secret, clock.now()) });
    await t.client().post('/api/v1/auth/login', { login: user.email, password: 'wrong password!' });
    const audit = await client.get(`/api/v1/audit?actorId=${user.id}`);
    const actions = audit.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['auth.login:success', 'auth.2fa_enabled:success', 'auth.login:failure']));
    clock.advance(30_000);
    await signIn(t, { ...user, totpSecret: setup.body.secret });
  });
});
