import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildGatePassingContacts, buildSignedInUser } from '../../../test/factories';
import { and, eq, sql } from 'drizzle-orm';
import { contacts } from '../contacts/contacts.tables';
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

  it('re-scores every contact of a tenant over several pages, each once, progress counting what is written', async () => {
    const { client, user } = await buildSignedInUser(t);
    // Two full pages of 2,000 and a short one, each contact at the potential an empty rule set gives.
    const ids = await buildGatePassingContacts(t, user.tenantId, { count: 4_321, numberPrefix: '+549113' });
    const rules = [{ id: 'r1', label: 'Has a company', field: 'company', op: 'exists', points: 35 }];
    expect((await client.request('PUT', '/api/v1/scoring/settings', { body: { potentialRules: rules } })).status).toBe(200);
    const progress: number[] = [];
    const rescored = await t.runtime.modules.scoring.scoring.rescoreAll({ tenantId: user.tenantId, onProgress: async (n) => void progress.push(n) });
    expect(rescored).toBe(ids.length);
    expect(progress).toEqual([2_000, 4_000, 4_321]);
    const potentials = await t.db.withTenant(user.tenantId, (tx) =>
      tx.select({ potential: contacts.scorePotential, n: sql<number>`count(*)::int` }).from(contacts).where(and(eq(contacts.tenantId, user.tenantId))).groupBy(contacts.scorePotential),
    );
    expect(potentials).toEqual([{ potential: 35, n: ids.length }]);
  });
});
