import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness';
import { buildSignedInUser, signIn } from '../../../test/factories';
import { FakeClock } from '../../../test/clock';

const clock = new FakeClock('2026-11-22T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

describe('validation queue', () => {
  it('serves pending prospects by score, records who decided, and expires approvals', async () => {
    const owner = await buildSignedInUser(t);
    const { client: reviewer, user: reviewerUser } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'manager' });
    const low = (await owner.client.post('/api/v1/contacts', { firstName: 'Low' })).body;
    const high = (await owner.client.post('/api/v1/contacts', { firstName: 'High', phone: '+54 9 11 4444 7777', email: 'h@corp.com' })).body;
    const queue = await reviewer.get('/api/v1/validation-queue');
    expect(queue.body.items.map((c: { id: string }) => c.id)).toEqual([high.id, low.id]);
    expect((await owner.client.patch('/api/v1/tenant', { validationExpiryDays: 30 })).body.validationExpiryDays).toBe(30);

    const approved = await reviewer.post(`/api/v1/validation-queue/${high.id}/approve`, { note: 'called, real business' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ validated: true, validation: { status: 'approved', by: reviewerUser.id, expiresAt: '2026-12-22T12:00:00.000Z' } });
    const noReason = await reviewer.post(`/api/v1/validation-queue/${low.id}/reject`, {});
    expect(noReason.status).toBe(400);
    const rejected = await reviewer.post(`/api/v1/validation-queue/${low.id}/reject`, { reason: 'wrong number' });
    expect(rejected.body.validation).toMatchObject({ status: 'rejected', reason: 'wrong number' });
    expect((await reviewer.get('/api/v1/validation-queue')).body.items).toEqual([]);

    const stats = await reviewer.get('/api/v1/validation-queue/stats');
    expect(stats.body).toMatchObject({ pending: 0, approvedToday: 1, reviewers: [{ userId: reviewerUser.id, approved: 1, rejected: 1 }] });

    clock.advance(31 * 24 * 3600_000);
    const tenantId = owner.user.tenantId;
    expect(await t.runtime.modules.contacts.validation.expireDue(tenantId)).toBe(1);
    // A month later the reviewer signs in again.
    const again = await signIn(t, reviewerUser);
    const back = (await again.get('/api/v1/validation-queue')).body.items.map((c: { id: string }) => c.id);
    expect(back).toEqual([high.id]);
    const history = await again.get(`/api/v1/contacts/${high.id}/validation`);
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual(['expired', 'approved']);
  });

  it('is closed to users without contacts.validate', async () => {
    const owner = await buildSignedInUser(t);
    const { client: agent } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'agent' });
    const c = (await owner.client.post('/api/v1/contacts', { firstName: 'X' })).body;
    expect((await agent.get('/api/v1/validation-queue')).status).toBe(403);
    expect((await agent.post(`/api/v1/validation-queue/${c.id}/approve`, {})).status).toBe(403);
  });
});

describe('household members', () => {
  it('protects confirmed members from edits and deletion until unconfirmed', async () => {
    const { client } = await buildSignedInUser(t);
    const c = (await client.post('/api/v1/contacts', { firstName: 'Head' })).body;
    const m = (await client.post(`/api/v1/contacts/${c.id}/household`, { name: 'Spouse', relation: 'spouse', confirmed: true })).body;
    expect((await client.patch(`/api/v1/contacts/${c.id}/household/${m.id}`, { name: 'Changed' })).status).toBe(409);
    expect((await client.delete(`/api/v1/contacts/${c.id}/household/${m.id}`)).status).toBe(409);
    expect((await client.patch(`/api/v1/contacts/${c.id}/household/${m.id}`, { confirmed: false })).body.confirmed).toBe(false);
    expect((await client.delete(`/api/v1/contacts/${c.id}/household/${m.id}`)).status).toBe(200);
    expect((await client.get(`/api/v1/contacts/${c.id}/household`)).body.items).toEqual([]);
  });
});

describe('bulk actions', () => {
  it('tags, untags, assigns and deletes everything a filter matches, reporting progress on a task', async () => {
    const { client, user } = await buildSignedInUser(t);
    for (let i = 0; i < 5; i++) await client.post('/api/v1/contacts', { firstName: `B${i}`, tags: i < 3 ? ['fair'] : [] });
    const run = async (body: Record<string, unknown>) => {
      const res = await client.post('/api/v1/contacts/bulk', body);
      expect(res.status, res.text).toBe(202);
      // Run the queued job as a worker would.
      const job = t.runtime.modules.contacts.bulk.bulkJob;
      const progress: number[] = [];
      await job.run(job.payload.parse({ body, userId: user.id }), {
        tenantId: user.tenantId,
        jobId: 'test',
        taskId: null,
        attempt: 1,
        signal: new AbortController().signal,
        logger: t.runtime.deps.logger,
        progress: async (done) => void progress.push(done),
      });
      return progress;
    };
    expect(await run({ filter: { tags: ['fair'] }, action: 'tag', tags: ['follow-up'] })).toEqual([0, 3]);
    expect((await client.get('/api/v1/contacts?tag=follow-up')).body.items).toHaveLength(3);
    await run({ filter: { tags: ['fair'] }, action: 'assign', ownerId: user.id });
    expect((await client.get(`/api/v1/contacts?owner=${user.id}`)).body.items).toHaveLength(3);
    await run({ filter: { tags: ['follow-up'] }, action: 'untag', tags: ['fair'] });
    expect((await client.get('/api/v1/contacts?tag=fair')).body.items).toHaveLength(0);
    await run({ filter: { tags: ['follow-up'] }, action: 'delete' });
    expect((await client.get('/api/v1/contacts')).body.items).toHaveLength(2);
    expect((await client.post('/api/v1/contacts/bulk', { action: 'tag', tags: ['x'] })).status).toBe(400);
  });

  it('checks the permission of the action itself', async () => {
    const owner = await buildSignedInUser(t);
    const { client: agent } = await buildSignedInUser(t, { tenant: owner.user.tenant, role: 'agent' });
    expect((await agent.post('/api/v1/contacts/bulk', { filter: {}, action: 'delete' })).status).toBe(403);
    expect((await agent.post('/api/v1/contacts/bulk', { filter: {}, action: 'tag', tags: ['ok'] })).status).toBe(202);
  });
});
