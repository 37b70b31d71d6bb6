import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp, type TestClient } from '../../../test/harness';
import { buildSignedInUser, buildUser, signIn, type TestTenant } from '../../../test/factories';
import { FakeClock } from '../../../test/clock';
import { until } from '../../../test/until';
import { usingRealPostgres } from '../../../test/db';
import { contacts } from '../contacts/contacts.tables';
import { auditEvents } from '../audit/audit.tables';
import { conversations } from '../messaging/messaging.tables';
import { appointments } from './calendar.tables';
import { createCalendarService } from './calendar.service';

// Before New York's spring change (2026-03-08), so the slots around both 2026 changes are ahead.
const clock = new FakeClock('2026-02-01T12:00:00Z');
let t: TestApp;
/** The app also listens on a port: for simultaneous requests over real connections and for WebSockets. */
let base: string;
beforeAll(async () => {
  t = await startTestApp({ clock });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t?.close();
});

/** Every day 09:00–12:00 in New York, one-hour slots. */
const everyMorning = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, from: '09:00', to: '12:00' }));

async function buildCalendar(client: TestClient, body: Record<string, unknown> = {}) {
  const res = await client.post('/api/v1/calendars', { name: 'Ventas', timeZone: 'America/New_York', slotMinutes: 60, holdMinutes: 10, availability: everyMorning, ...body });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

async function buildContact(tenant: { id: string }, firstName = 'Ana') {
  const [row] = await t.db.withTenant(tenant.id, (tx) => tx.insert(contacts).values({ tenantId: tenant.id, firstName, lastName: 'Pérez' }).returning({ id: contacts.id }));
  return row!.id;
}

/** A conversation of the contact on some channel (the check reads only its tenant and contact). */
async function buildConversation(tenant: { id: string }, contactId: string) {
  const [row] = await t.db.withTenant(tenant.id, (tx) => tx.insert(conversations).values({ tenantId: tenant.id, contactId, channelId: crypto.randomUUID() }).returning({ id: conversations.id }));
  return row!.id;
}

/** A tenant with an owner's client, a New York calendar and a contact. */
async function setting() {
  const { user, client } = await buildSignedInUser(t);
  const calendar = await buildCalendar(client);
  const contactId = await buildContact(user.tenant);
  return { user, tenant: user.tenant, client, calendar, contactId };
}

const slotsOf = async (client: TestClient, calendarId: string, from: string, days = 1) => {
  const res = await client.get(`/api/v1/calendars/${calendarId}/slots?from=${from}&days=${days}`);
  expect(res.status, res.text).toBe(200);
  return (res.body.items as { startsAt: string }[]).map((s) => s.startsAt);
};

const stored = (tenant: TestTenant, id: string) =>
  t.db.withTenant(tenant.id, async (tx) => (await tx.select().from(appointments).where(and(eq(appointments.tenantId, tenant.id), eq(appointments.id, id))))[0]!);

/** Moves a hold's lapse into the past (instead of waiting minutes). */
const lapse = (tenant: TestTenant, id: string) =>
  t.db.withTenant(tenant.id, (tx) => tx.update(appointments).set({ holdExpiresAt: new Date(clock.now().getTime() - 1000) }).where(eq(appointments.id, id)));

describe('calendars', () => {
  it('answers free slots at 09:00 New York time on both sides of the spring change', async () => {
    const { client, calendar } = await setting();
    const res = await client.get(`/api/v1/calendars/${calendar.id}/slots?from=2026-03-07&days=2`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ timeZone: 'America/New_York', slotMinutes: 60 });
    expect(res.body.items).toEqual([
      { startsAt: '2026-03-07T14:00:00.000Z', endsAt: '2026-03-07T15:00:00.000Z' },
      { startsAt: '2026-03-07T15:00:00.000Z', endsAt: '2026-03-07T16:00:00.000Z' },
      { startsAt: '2026-03-07T16:00:00.000Z', endsAt: '2026-03-07T17:00:00.000Z' },
      { startsAt: '2026-03-08T13:00:00.000Z', endsAt: '2026-03-08T14:00:00.000Z' },
      { startsAt: '2026-03-08T14:00:00.000Z', endsAt: '2026-03-08T15:00:00.000Z' },
      { startsAt: '2026-03-08T15:00:00.000Z', endsAt: '2026-03-08T16:00:00.000Z' },
    ]);
    expect(await slotsOf(client, calendar.id, '2026-10-31', 2)).toEqual([
      '2026-10-31T13:00:00.000Z', '2026-10-31T14:00:00.000Z', '2026-10-31T15:00:00.000Z',
      '2026-11-01T14:00:00.000Z', '2026-11-01T15:00:00.000Z', '2026-11-01T16:00:00.000Z',
    ]);
    // Slots that began are not offered: today (2026-02-01, 07:00 in New York) keeps its three; yesterday none.
    expect(await slotsOf(client, calendar.id, '2026-01-31')).toEqual([]);
    expect(await slotsOf(client, calendar.id, '2026-02-01')).toHaveLength(3);
    // Without `from`: today in the calendar's zone, already 2026-02-02 at Kiritimati (UTC+14) while UTC is at 2026-02-01.
    const ahead = await buildCalendar(client, { timeZone: 'Pacific/Kiritimati' });
    const today = await client.get(`/api/v1/calendars/${ahead.id}/slots?days=1`);
    expect(today.body.items.map((s: { startsAt: string }) => s.startsAt)).toEqual(['2026-02-01T19:00:00.000Z', '2026-02-01T20:00:00.000Z', '2026-02-01T21:00:00.000Z']);
  });

  it('changes only the fields a PATCH sends, and records creation and changes in the audit trail', async () => {
    const { client, calendar, tenant } = await setting();
    const res = await client.patch(`/api/v1/calendars/${calendar.id}`, { name: 'Consultas' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: 'Consultas', slotMinutes: 60, timeZone: 'America/New_York', availability: everyMorning });
    const list = await client.get('/api/v1/calendars');
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['Consultas']);
    const actions = await t.db.withTenant(tenant.id, (tx) => tx.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, calendar.id)));
    expect(actions.map((a) => a.action).sort()).toEqual(['calendar.created', 'calendar.updated']);
  });

  it('refuses a zone it does not know, a window that ends before it starts and an unknown weekday, naming the field', async () => {
    const { client } = await buildSignedInUser(t);
    const base = { name: 'X', timeZone: 'America/New_York', availability: everyMorning };
    const zone = await client.post('/api/v1/calendars', { ...base, timeZone: 'Mars/Olympus' });
    expect(zone.status).toBe(400);
    expect(zone.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ field: 'body.timeZone' }] } });
    const backwards = await client.post('/api/v1/calendars', { ...base, availability: [{ weekday: 1, from: '12:00', to: '09:00' }] });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ field: 'body.availability.0.to' }] } });
    const weekday = await client.post('/api/v1/calendars', { ...base, availability: [{ weekday: 7, from: '09:00', to: '12:00' }] });
    expect(weekday.status).toBe(400);
    expect(weekday.body.error.code).toBe('validation_failed');
    expect(weekday.body.error.details.issues[0].field).toBe('body.availability.0.weekday');
    const otherUser = await client.post('/api/v1/calendars', { ...base, userId: '00000000-0000-4000-8000-000000000000' });
    expect(otherUser.status).toBe(400);
    expect(otherUser.body.error.details.issues[0].field).toBe('body.userId');
    expect((await client.get('/api/v1/calendars')).body.items).toEqual([]);
  });
});

describe('holds and confirmation', () => {
  it('holds a slot for the calendar’s hold minutes, takes it off the free slots, then confirms it (twice: same answer)', async () => {
    const { client, calendar, contactId, tenant, user } = await setting();
    const hold = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-08T09:00:00-04:00', title: 'Demo' });
    expect(hold.status, hold.text).toBe(201);
    expect(hold.body).toMatchObject({
      calendarId: calendar.id,
      calendarName: 'Ventas',
      contactId,
      contactName: 'Ana Pérez',
      title: 'Demo',
      startsAt: '2026-03-08T13:00:00.000Z',
      endsAt: '2026-03-08T14:00:00.000Z',
      timeZone: 'America/New_York',
      status: 'held',
      holdExpiresAt: new Date(clock.now().getTime() + 10 * 60_000).toISOString(),
      createdBy: user.id,
    });
    expect(await slotsOf(client, calendar.id, '2026-03-08')).toEqual(['2026-03-08T14:00:00.000Z', '2026-03-08T15:00:00.000Z']);
    const confirmed = await client.post(`/api/v1/appointments/${hold.body.id}/confirm`);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ id: hold.body.id, status: 'confirmed', confirmedAt: clock.now().toISOString(), holdExpiresAt: null });
    const again = await client.post(`/api/v1/appointments/${hold.body.id}/confirm`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(confirmed.body);
    expect((await stored(tenant, hold.body.id)).status).toBe('confirmed');
    const list = await client.get(`/api/v1/appointments?contactId=${contactId}`);
    expect(list.body.items.map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([[hold.body.id, 'confirmed']]);
    const audit = await t.db.withTenant(tenant.id, (tx) => tx.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, hold.body.id)));
    expect(audit.map((a) => a.action)).toEqual(['appointment.confirmed']);
  });

  it('answers 409 slot_taken for a hold that overlaps a live appointment, even one of another length', async () => {
    const { client, calendar, contactId } = await setting();
    const other = await buildContact({ id: (await client.get('/api/v1/auth/me')).body.tenant.id }, 'Beto');
    const first = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-10T13:00:00Z' });
    expect(first.status).toBe(201);
    const second = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId: other, startsAt: '2026-03-10T13:00:00Z' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('slot_taken');
    // Half-hour slots now: 09:30 overlaps the 09:00–10:00 hold; 10:00 does not.
    expect((await client.patch(`/api/v1/calendars/${calendar.id}`, { slotMinutes: 30 })).status).toBe(200);
    const overlapping = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId: other, startsAt: '2026-03-10T13:30:00Z' });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.code).toBe('slot_taken');
    expect((await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId: other, startsAt: '2026-03-10T14:00:00Z' })).status).toBe(201);
  });

  it('lets exactly one of two simultaneous holds of a slot win (over HTTP, on separate connections)', async () => {
    const { client, calendar, contactId, tenant } = await setting();
    const other = await buildContact(tenant, 'Beto');
    {
      const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const post = (who: string) =>
        fetch(`${base}/api/v1/calendars/${calendar.id}/holds`, {
          method: 'POST',
          headers: { cookie, origin: base, 'content-type': 'application/json' },
          body: JSON.stringify({ contactId: who, startsAt: '2026-03-11T14:00:00Z' }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string } } }));
      // Many rounds on PostgreSQL: about 1 simultaneous pair in 100 deadlocks inside the constraint's
      // check (each insert waits for the other's row); the loser must still be a 409, never a 500.
      for (let round = 0; round < (usingRealPostgres() ? 100 : 3); round++) {
        const results = await Promise.all([post(contactId), post(other)]);
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([201, 409]);
        expect(results.find((r) => r.status === 409)!.body.error!.code).toBe('slot_taken');
        const live = await t.db.withTenant(tenant.id, (tx) => tx.select().from(appointments).where(and(eq(appointments.calendarId, calendar.id), eq(appointments.status, 'held'))));
        expect(live).toHaveLength(1);
        // Free the slot for the next round.
        expect((await client.post(`/api/v1/appointments/${live[0]!.id}/cancel`)).status).toBe(200);
      }
    }
  });

  it('retries a hold whose transaction PostgreSQL aborted as a deadlock (the other insert’s row): it holds, no 500', async () => {
    const { user, calendar, contactId } = await setting();
    let aborted = 0;
    const database = {
      ...t.db,
      // The first transaction fails as the constraint's check does when two inserts wait for each other.
      withTenant: ((tenantId, fn) => (aborted++ === 0 ? Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' })) : t.db.withTenant(tenantId, fn))) as typeof t.db.withTenant,
    };
    const service = createCalendarService({ ...t.runtime.deps, database, conversationContact: () => Promise.resolve(null) });
    const principal = { tenantId: user.tenantId, userId: user.id, actorId: user.id, actorLabel: 'test', kind: 'session', permissions: new Set<string>(), builtinRole: 'owner', sessionId: null, mustEnrolTwoFactor: false } as const;
    const held = await service.hold({ principal, calendarId: calendar.id, body: { contactId, startsAt: '2026-03-12T15:00:00Z' } });
    expect(held.status).toBe('held');
    expect(aborted).toBe(2);
  });

  it('frees the slot of a lapsed hold: offered again, left out of the live list, refused a confirmation, cleared by the next hold', async () => {
    const { client, calendar, contactId, tenant } = await setting();
    const other = await buildContact(tenant, 'Beto');
    const hold = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-12T13:00:00Z' });
    expect(hold.status).toBe(201);
    await lapse(tenant, hold.body.id);
    expect(await slotsOf(client, calendar.id, '2026-03-12')).toContain('2026-03-12T13:00:00.000Z');
    expect((await client.get(`/api/v1/appointments?calendarId=${calendar.id}`)).body.items).toEqual([]);
    expect((await client.get(`/api/v1/appointments?calendarId=${calendar.id}&status=all`)).body.items).toHaveLength(1);
    const late = await client.post(`/api/v1/appointments/${hold.body.id}/confirm`);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'hold_expired', details: { status: 'lapsed' } });
    const next = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId: other, startsAt: '2026-03-12T13:00:00Z' });
    expect(next.status, next.text).toBe(201);
    expect(await stored(tenant, hold.body.id)).toMatchObject({ status: 'cancelled', cancelledAt: clock.now() });
    expect((await client.post(`/api/v1/appointments/${hold.body.id}/confirm`)).body.error.code).toBe('hold_expired');
  });

  it('releases a lapsed hold nobody replaces in the minute sweep: cancelled, announced, the others untouched', async () => {
    const { client, calendar, contactId, tenant } = await setting();
    const lapsing = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-12T13:00:00Z' });
    const keeping = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-12T14:00:00Z' });
    const confirmed = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-12T15:00:00Z' });
    expect([lapsing.status, keeping.status, confirmed.status]).toEqual([201, 201, 201]);
    expect((await client.post(`/api/v1/appointments/${confirmed.body.id}/confirm`)).status).toBe(200);
    await lapse(tenant, lapsing.body.id);
    const socket = await connect(client);
    try {
      expect(await t.runtime.modules.calendar.calendar.releaseLapsedHolds(tenant.id)).toBe(1);
      expect(await stored(tenant, lapsing.body.id)).toMatchObject({ status: 'cancelled', cancelledAt: clock.now() });
      expect((await stored(tenant, keeping.body.id)).status).toBe('held');
      expect((await stored(tenant, confirmed.body.id)).status).toBe('confirmed');
      await until('the release announced', () => socket.events.length === 1);
      expect(socket.events[0]).toEqual({ type: 'appointment.deleted', data: { id: lapsing.body.id, calendarId: calendar.id, contactId } });
      // Nothing left to release: nothing done, nothing announced.
      expect(await t.runtime.modules.calendar.calendar.releaseLapsedHolds(tenant.id)).toBe(0);
    } finally {
      socket.ws.close();
    }
  });

  it('frees the slot of a cancelled appointment (a confirmed one too); cancelling twice answers the same', async () => {
    const { client, calendar, contactId, tenant } = await setting();
    const hold = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-13T14:00:00Z' });
    expect((await client.post(`/api/v1/appointments/${hold.body.id}/confirm`)).status).toBe(200);
    const cancelled = await client.post(`/api/v1/appointments/${hold.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledAt: clock.now().toISOString() });
    expect((await client.post(`/api/v1/appointments/${hold.body.id}/cancel`)).body).toEqual(cancelled.body);
    expect(await slotsOf(client, calendar.id, '2026-03-13')).toContain('2026-03-13T14:00:00.000Z');
    expect((await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-13T14:00:00Z' })).status).toBe(201);
    expect((await client.post(`/api/v1/appointments/${hold.body.id}/confirm`)).body.error).toMatchObject({ code: 'hold_expired', details: { status: 'cancelled' } });
    const audit = await t.db.withTenant(tenant.id, (tx) => tx.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, hold.body.id)));
    expect(audit.map((a) => a.action).sort()).toEqual(['appointment.cancelled', 'appointment.confirmed']);
  });

  it('refuses a time that is not a slot, a slot that began, and an unknown contact', async () => {
    const { client, calendar, contactId } = await setting();
    const between = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-12T13:30:00Z' });
    expect(between.status).toBe(400);
    expect(between.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ field: 'body.startsAt' }], reason: 'not_offered' } });
    const evening = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-03-12T23:00:00Z' });
    expect(evening.body.error).toMatchObject({ code: 'validation_failed', details: { reason: 'not_offered' } });
    const past = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt: '2026-01-30T14:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.details.reason).toBe('past');
    const nobody = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId: '00000000-0000-4000-8000-000000000000', startsAt: '2026-03-12T13:00:00Z' });
    expect(nobody.status).toBe(404);
  });

  it('refuses a conversation of another tenant, of another contact or of nobody (400 naming the field, nothing stored) and keeps the contact’s own', async () => {
    const { client, calendar, contactId, tenant } = await setting();
    const other = await setting();
    const theirs = await buildConversation(other.tenant, other.contactId);
    const beto = await buildConversation(tenant, await buildContact(tenant, 'Beto'));
    const startsAt = '2026-03-13T13:00:00Z';
    for (const conversationId of [theirs, beto, '00000000-0000-4000-8000-000000000000']) {
      const res = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt, conversationId });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ field: 'body.conversationId' }] } });
    }
    const none = await t.db.withTenant(tenant.id, (tx) => tx.select({ id: appointments.id }).from(appointments).where(eq(appointments.tenantId, tenant.id)));
    expect(none).toEqual([]);
    const own = await buildConversation(tenant, contactId);
    const res = await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt, conversationId: own });
    expect(res.status, res.text).toBe(201);
    expect(res.body.conversationId).toBe(own);
    expect(await stored(tenant, res.body.id)).toMatchObject({ conversationId: own, contactId });
  });

  it('lists a contact’s appointments by start, a page at a time, and deletes them with the contact', async () => {
    const { client, calendar, contactId } = await setting();
    for (const startsAt of ['2026-03-16T15:00:00Z', '2026-03-16T13:00:00Z', '2026-03-17T13:00:00Z']) {
      expect((await client.post(`/api/v1/calendars/${calendar.id}/holds`, { contactId, startsAt })).status).toBe(201);
    }
    const first = await client.get(`/api/v1/appointments?contactId=${contactId}&limit=2`);
    expect(first.body.items.map((a: { startsAt: string }) => a.startsAt)).toEqual(['2026-03-16T13:00:00.000Z', '2026-03-16T15:00:00.000Z']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await client.get(`/api/v1/appointments?contactId=${contactId}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((a: { startsAt: string }) => a.startsAt)).toEqual(['2026-03-17T13:00:00.000Z']);
    expect(second.body.nextCursor).toBeNull();
    const window = await client.get(`/api/v1/appointments?calendarId=${calendar.id}&from=2026-03-16T14:00:00Z&to=2026-03-17T00:00:00Z`);
    expect(window.body.items.map((a: { startsAt: string }) => a.startsAt)).toEqual(['2026-03-16T15:00:00.000Z']);
    expect((await client.delete(`/api/v1/contacts/${contactId}`)).status).toBeLessThan(300);
    expect((await client.get(`/api/v1/appointments?calendarId=${calendar.id}&status=all`)).body.items).toEqual([]);
  });
});

describe('who may see and book', () => {
  it('answers 404 to another tenant on every route with an id, and shows it nothing in lists', async () => {
    const a = await setting();
    const hold = await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-18T13:00:00Z' });
    expect(hold.status).toBe(201);
    const b = await setting();
    const id = a.calendar.id;
    const refused = [
      await b.client.get(`/api/v1/calendars/${id}`),
      await b.client.patch(`/api/v1/calendars/${id}`, { name: 'Mine now' }),
      await b.client.get(`/api/v1/calendars/${id}/slots?from=2026-03-18`),
      await b.client.post(`/api/v1/calendars/${id}/holds`, { contactId: b.contactId, startsAt: '2026-03-18T14:00:00Z' }),
      await b.client.post(`/api/v1/appointments/${hold.body.id}/confirm`),
      await b.client.post(`/api/v1/appointments/${hold.body.id}/cancel`),
      // Its own calendar with the other tenant's contact.
      await b.client.post(`/api/v1/calendars/${b.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-18T14:00:00Z' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect((await b.client.get('/api/v1/calendars')).body.items.map((c: { id: string }) => c.id)).toEqual([b.calendar.id]);
    expect((await b.client.get(`/api/v1/appointments?status=all`)).body.items).toEqual([]);
    expect((await b.client.get(`/api/v1/appointments?calendarId=${id}&status=all`)).body.items).toEqual([]);
    expect((await b.client.get(`/api/v1/appointments?contactId=${a.contactId}&status=all`)).body.items).toEqual([]);
    // Untouched.
    expect(await stored(a.tenant, hold.body.id)).toMatchObject({ status: 'held' });
    expect((await a.client.get(`/api/v1/calendars/${id}`)).body.name).toBe('Ventas');
  });

  it('lets a viewer read calendars, slots and appointments but not create, hold, confirm or cancel (403)', async () => {
    const a = await setting();
    const hold = await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-19T13:00:00Z' });
    const viewer = await signIn(t, await buildUser(t, { tenant: a.tenant, role: 'viewer' }));
    expect((await viewer.get('/api/v1/calendars')).status).toBe(200);
    expect((await viewer.get(`/api/v1/calendars/${a.calendar.id}/slots?from=2026-03-19`)).status).toBe(200);
    expect((await viewer.get(`/api/v1/appointments?contactId=${a.contactId}`)).body.items).toHaveLength(1);
    const refused = [
      await viewer.post('/api/v1/calendars', { name: 'X', timeZone: 'UTC' }),
      await viewer.patch(`/api/v1/calendars/${a.calendar.id}`, { name: 'X' }),
      await viewer.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-19T14:00:00Z' }),
      await viewer.post(`/api/v1/appointments/${hold.body.id}/confirm`),
      await viewer.post(`/api/v1/appointments/${hold.body.id}/cancel`),
    ];
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual(Array(5).fill([403, 'forbidden']));
    expect(await stored(a.tenant, hold.body.id)).toMatchObject({ status: 'held' });
  });
});

type Socket = { ws: WebSocket; events: { type: string; data: any }[] };

/** A browser's realtime socket, signed in with the client's session; resolves once the server says ready. */
function connect(client: TestClient, server = base): Promise<Socket> {
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const ws = new WebSocket(`${server.replace(/^http/, 'ws')}/api/v1/realtime`, { headers: { cookie, origin: server } });
  const events: Socket['events'] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'ready') resolve({ ws, events });
      else if (String(m.type).startsWith('appointment.')) events.push(m);
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

describe('realtime', () => {
  it('announces holds and confirmations as appointment.created, cancellations and cleared lapsed holds as appointment.deleted, to the tenant only', async () => {
    const a = await setting();
    const b = await setting();
    const [sa, sb] = await Promise.all([connect(a.client), connect(b.client)]);
    try {
      const hold = await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-20T13:00:00Z' });
      await until('the hold announced', () => sa.events.length === 1);
      expect(sa.events[0]).toEqual({ type: 'appointment.created', data: hold.body });
      const confirmed = await a.client.post(`/api/v1/appointments/${hold.body.id}/confirm`);
      await until('the confirmation announced', () => sa.events.length === 2);
      expect(sa.events[1]).toEqual({ type: 'appointment.created', data: confirmed.body });
      // Confirming again changes nothing and announces nothing.
      await a.client.post(`/api/v1/appointments/${hold.body.id}/confirm`);
      await a.client.post(`/api/v1/appointments/${hold.body.id}/cancel`);
      await until('the cancellation announced', () => sa.events.length === 3);
      expect(sa.events[2]).toEqual({ type: 'appointment.deleted', data: { id: hold.body.id, calendarId: a.calendar.id, contactId: a.contactId } });
      // A lapsed hold is announced deleted by the hold that clears it, before that hold's creation.
      const lapsing = await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-20T14:00:00Z' });
      await lapse(a.tenant, lapsing.body.id);
      const next = await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-20T14:00:00Z' });
      await until('the lapsed hold cleared', () => sa.events.length === 6);
      expect(sa.events.slice(3).map((e) => [e.type, e.data.id])).toEqual([
        ['appointment.created', lapsing.body.id],
        ['appointment.deleted', lapsing.body.id],
        ['appointment.created', next.body.id],
      ]);
      // A refused hold announces nothing (its transaction rolled back).
      expect((await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-20T14:00:00Z' })).status).toBe(409);
      // B's own hold reaches B: once it has, anything of A's would have reached it too.
      await b.client.post(`/api/v1/calendars/${b.calendar.id}/holds`, { contactId: b.contactId, startsAt: '2026-03-20T13:00:00Z' });
      await until('tenant B’s own hold announced', () => sb.events.length >= 1);
      expect(sb.events.map((e) => e.data.calendarId)).toEqual([b.calendar.id]);
      expect(sa.events).toHaveLength(6);
    } finally {
      sa.ws.close();
      sb.ws.close();
    }
  });

  it.skipIf(!usingRealPostgres())('reaches the tenant’s browsers connected to another server process (LISTEN/NOTIFY)', async () => {
    const second = await startTestApp({ db: t.db, clock });
    try {
      const secondBase = await second.app.listen({ port: 0, host: '127.0.0.1' });
      const a = await setting();
      const b = await setting();
      const [sa, sb] = await Promise.all([connect(a.client, secondBase), connect(b.client, secondBase)]);
      const hold = await a.client.post(`/api/v1/calendars/${a.calendar.id}/holds`, { contactId: a.contactId, startsAt: '2026-03-23T13:00:00Z' });
      await a.client.post(`/api/v1/appointments/${hold.body.id}/cancel`);
      await until('the events on the other process', () => sa.events.length === 2);
      expect(sa.events.map((e) => e.type)).toEqual(['appointment.created', 'appointment.deleted']);
      await b.client.post(`/api/v1/calendars/${b.calendar.id}/holds`, { contactId: b.contactId, startsAt: '2026-03-23T13:00:00Z' });
      await until('tenant B’s own hold on the other process', () => sb.events.length >= 1);
      expect(sb.events.map((e) => e.data.calendarId)).toEqual([b.calendar.id]);
      sa.ws.close();
      sb.ws.close();
    } finally {
      await second.close();
    }
  });
});
