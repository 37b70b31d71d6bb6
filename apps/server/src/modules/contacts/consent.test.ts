import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { recordOptOut } from './consent.service';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('opt-out from an inbound message', () => {
  it('records the opt-out on the channel and everywhere, and blacklists the number in the same transaction', async () => {
    const { client, user } = await buildSignedInUser(t);
    const c = (await client.post('/api/v1/contacts', { firstName: 'Stop', phone: '+54 9 11 4444 3210' })).body;
    await client.post(`/api/v1/contacts/${c.id}/consent`, { channel: 'whatsapp', status: 'opted_in', source: 'form' });
    await t.db.withTenant(user.tenantId, async (tx) => {
      await recordOptOut(tx, { tenantId: user.tenantId, contactId: c.id, channel: 'whatsapp', country: 'AR', phone: '5491144443210', text: 'BAJA por favor', source: 'inbound:whatsapp' });
      await t.runtime.deps.events.emit(tx, 'contacts.changed', { tenantId: user.tenantId, contactIds: [c.id] });
    });
    const after = (await client.get(`/api/v1/contacts/${c.id}`)).body;
    expect(after).toMatchObject({ consent: { whatsapp: 'opted_out', any: 'opted_out' }, blacklisted: true, scores: { contactability: 0 } });
    const blacklist = (await client.get('/api/v1/blacklist')).body.items;
    expect(blacklist).toEqual([expect.objectContaining({ phoneE164: '+5491144443210', reason: 'opt-out: "BAJA por favor"', source: 'inbound:whatsapp', contactCount: 1 })]);
  });
});
