import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../../test/harness';
import { buildSignedInUser } from '../../../../test/factories';
import { startFakeGoogle } from '../../../../test/fakes/google';

let t: TestApp;
let google: Awaited<ReturnType<typeof startFakeGoogle>>;
beforeAll(async () => {
  google = await startFakeGoogle({ clientId: 'client-123', clientSecret: 'secret-456', accountEmail: 'ana@gmail.com' });
  t = await startTestApp({ env: google.env });
});
afterAll(async () => {
  await t?.close();
  await google?.close();
});

describe('Google Contacts sync', () => {
  it('connects with OAuth, imports, then refreshes incrementally with the sync token', async () => {
    const { client, user } = await buildSignedInUser(t);
    google.upsert({ resourceName: 'people/c1', names: [{ givenName: 'Laura', familyName: 'Díaz' }], phoneNumbers: [{ value: '011 15-4444-9001', canonicalForm: '+5491144449001' }], organizations: [{ name: 'Sol SA' }] });
    google.upsert({ resourceName: 'people/c2', names: [{ displayName: 'Marcos Paz' }], emailAddresses: [{ value: 'marcos@paz.com' }] });
    const existing = await client.post('/api/v1/contacts', { firstName: 'Laura', phone: '+54 9 11 4444 9001', tags: ['vip'] });

    const connect = await client.post('/api/v1/google/connect');
    expect(connect.status).toBe(200);
    const authorize = new URL(connect.body.url);
    expect(authorize.searchParams.get('access_type')).toBe('offline');
    expect(authorize.searchParams.get('scope')).toContain('contacts.readonly');
    const { code, state } = google.consent(connect.body.url);
    const forged = await client.get(`/api/v1/google/callback?code=${code}&state=${state.replace(/.$/, 'x')}`);
    expect(forged.headers.location).toMatch(/google=error/);
    const { code: code2 } = google.consent(connect.body.url);
    const callback = await client.get(`/api/v1/google/callback?code=${code2}&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/contacts/import?google=connected');
    const connections = await client.get('/api/v1/google/connections');
    expect(connections.body).toMatchObject({ configured: true, items: [{ email: 'ana@gmail.com', status: 'active' }] });
    const connectionId = connections.body.items[0].id;

    const { sync } = t.runtime.modules.contacts.google;
    expect(await sync({ tenantId: user.tenantId, connectionId })).toEqual({ processed: 2 });
    const all = (await client.get('/api/v1/contacts?sort=name')).body.items;
    expect(all.map((c: any) => [c.firstName, c.lastName, c.company, c.email])).toEqual([
      ['Laura', 'Díaz', 'Sol SA', null],
      ['Marcos', 'Paz', '', 'marcos@paz.com'],
    ]);
    expect(all.find((c: any) => c.id === existing.body.id).tags.sort()).toEqual(['google', 'vip']);

    google.upsert({ resourceName: 'people/c2', names: [{ givenName: 'Marcos', familyName: 'Paz' }], emailAddresses: [{ value: 'marcos@paz.com' }], organizations: [{ name: 'Paz & Hijos' }] });
    google.upsert({ resourceName: 'people/c3', names: [{ givenName: 'Nora' }], phoneNumbers: [{ value: '+34 612 345 678' }] });
    google.remove('people/c1');
    expect(await sync({ tenantId: user.tenantId, connectionId })).toEqual({ processed: 3 });
    const incremental = google.requests.filter((r) => r.path === '/v1/people/me/connections').at(-1)!;
    expect(incremental.query.syncToken).toBeTruthy();
    const after = (await client.get('/api/v1/contacts?sort=name')).body.items;
    expect(after.map((c: any) => c.firstName)).toEqual(['Nora', 'Laura', 'Marcos']);
    expect(after.find((c: any) => c.firstName === 'Marcos').company).toBe('Paz & Hijos');

    google.expireSyncTokens();
    expect(await sync({ tenantId: user.tenantId, connectionId })).toEqual({ processed: 2 });
    const full = google.requests.filter((r) => r.path === '/v1/people/me/connections').at(-1)!;
    expect(full.query.syncToken).toBeUndefined();
    expect((await client.get('/api/v1/contacts')).body.items).toHaveLength(3);
  });

  it('says so when Google is not configured', async () => {
    const plain = await startTestApp({ db: t.db });
    try {
      const { client } = await buildSignedInUser(plain);
      const res = await client.post('/api/v1/google/connect');
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/GOOGLE_CLIENT_ID/);
    } finally {
      await plain.close();
    }
  });
});
