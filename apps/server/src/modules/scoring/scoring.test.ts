import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser } from '../../../test/factories';
import { computeScores, type ScoringInput } from './scores';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const base: ScoringInput = {
  phoneValid: true,
  phoneType: 'mobile',
  email: null,
  website: null,
  company: '',
  tags: [],
  attributes: {},
  whatsapp: 'unknown',
  imessage: 'unknown',
  blacklisted: false,
  consent: {},
  signals: null,
  fields: {},
};

describe('scores', () => {
  it('stay between 0 and 100 and explain every point', () => {
    const best = computeScores(
      { ...base, whatsapp: 'yes', imessage: 'yes', consent: { whatsapp: 'opted_in' }, email: 'a@corp.com', signals: { delivered: 3, failed: 0, replies: 2 } },
      [],
    );
    expect(best.contactability).toBe(100);
    expect(best.details.contactability.reduce((s, p) => s + p.points, 0)).toBeGreaterThanOrEqual(100);
    const worst = computeScores({ ...base, phoneValid: false, phoneType: null, whatsapp: 'no', signals: { delivered: 0, failed: 5, replies: 0 } }, []);
    expect(worst.contactability).toBe(0);
    expect(worst.details.contactability.map((p) => p.label)).toContain('5 failed deliveries');
  });

  it('follow the events channels emit: number checked, delivered, failed, replied', async () => {
    const { client, user } = await buildSignedInUser(t);
    const c = (await client.post('/api/v1/contacts', { firstName: 'Eve', phone: '+54 9 11 4444 8888' })).body;
    expect(c.scores.contactability).toBe(40);
    const emit = async (name: Parameters<typeof t.runtime.deps.events.emit>[1], event: Record<string, unknown>) =>
      t.db.withTenant(user.tenantId, (tx) => t.runtime.deps.events.emit(tx, name, { tenantId: user.tenantId, contactId: c.id, ...event } as never));
    const score = async () => (await client.get(`/api/v1/contacts/${c.id}`)).body;

    await emit('contacts.number-checked', { channel: 'whatsapp', reachable: true, source: 'whatsapp_web' });
    let now = await score();
    expect(now.reachability.whatsapp).toBe('yes');
    expect(now.scores.contactability).toBe(65);
    await t.db.withTenant(user.tenantId, (tx) =>
      t.runtime.deps.events.emit(tx, 'messages.replies-received', {
        tenantId: user.tenantId,
        replies: [{ contactId: c.id, channel: 'whatsapp', at: new Date(), channelId: '00000000-0000-4000-8000-000000000009', messageId: '00000000-0000-4000-8000-00000000000a', inReplyTo: null }],
      }),
    );
    // Counted at once, rescored by the tenant's background step (the job a working process runs at once).
    expect((await score()).scores.contactability).toBe(65);
    expect(await t.runtime.modules.scoring.scoring.rescoreSignalled(user.tenantId)).toBe(1);
    expect((await score()).scores.contactability).toBe(80);
    await emit('messages.delivery-failed', { channel: 'whatsapp', code: '131026' });
    await emit('contacts.number-checked', { channel: 'whatsapp', reachable: false, source: 'cloud_api:131026' });
    now = await score();
    expect(now.reachability.whatsapp).toBe('no');
    expect(now.scoreDetails.contactability.map((p: { label: string; points: number }) => `${p.label} ${p.points}`)).toEqual([
      'valid mobile 40',
      'on WhatsApp: no -15',
      'no consent yet 0',
      '1 failed delivery -10',
      'has replied 15',
    ]);
    expect(now.scores.contactability).toBe(30);
  });
});
