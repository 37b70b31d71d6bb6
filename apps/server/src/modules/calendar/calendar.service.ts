import { and, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { Appointment, Calendar, CreateCalendarBody, HoldBody, Slots, UpdateCalendarBody } from '@leadmaster/contracts';
import { z } from 'zod';
import type { Tx } from '../../platform/db/database';
import { defineJob } from '../../platform/jobs/queue';
import { afterCommit } from '../../platform/db/after-commit';
import type { ModuleDeps } from '../../platform/deps';
import type { BusEvent } from '../../platform/events/bus';
import type { Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { actorOf, recordAudit } from '../audit';
import { userBelongsToTenant } from '../identity';
import {
  appointmentNotFound,
  calendarNotFound,
  contactNotFound,
  holdExpired,
  invalidCalendar,
  isDeadlock,
  isExclusionViolation,
  notAConversationOfContact,
  notASlot,
  slotTaken,
} from './calendar.errors';
import {
  cancelLapsedHolds,
  cancelOne,
  confirmHeld,
  contactExists,
  findAppointment,
  findCalendar,
  insertCalendar,
  insertHold,
  isLive,
  liveAppointmentsBetween,
  selectAppointments,
  selectCalendars,
  updateCalendarRow,
  type AppointmentView,
  type CalendarColumns,
  type CalendarRow,
} from './calendar.repository';
import { appointments } from './calendar.tables';
import { availabilityProblem, freeOf, offeredSlotAt, offeredSlots } from './slots';
import { dateString, isValidTimeZone, wallTimeAt } from './zone';

export const presentCalendar = (row: CalendarRow): Calendar => ({
  id: row.id,
  name: row.name,
  userId: row.userId,
  timeZone: row.timeZone,
  slotMinutes: row.slotMinutes,
  holdMinutes: row.holdMinutes,
  availability: row.availability,
  createdAt: row.createdAt.toISOString(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const contactName = (c: AppointmentView['contact']) => `${c.firstName} ${c.lastName}`.trim() || c.company || c.phoneE164 || c.email || '';

export const presentAppointment = ({ a, calendarName, timeZone, contact }: AppointmentView): Appointment => ({
  id: a.id,
  calendarId: a.calendarId,
  calendarName,
  contactId: a.contactId,
  contactName: contactName(contact),
  conversationId: a.conversationId,
  title: a.title,
  notes: a.notes,
  startsAt: a.startsAt.toISOString(),
  endsAt: a.endsAt.toISOString(),
  timeZone,
  status: a.status,
  holdExpiresAt: iso(a.holdExpiresAt),
  confirmedAt: iso(a.confirmedAt),
  cancelledAt: iso(a.cancelledAt),
  createdBy: a.createdBy,
  createdAt: a.createdAt.toISOString(),
});

type Keyset = [string, string];

/**
 * The contact a conversation of the tenant belongs to, or null when the tenant has none with that
 * id. Conversations are messaging's, a peer of calendar under the module rule (neither calls the
 * other), so the composition root (modules.ts) hands this read in from messaging's public face.
 */
export type ConversationContact = (tx: Tx, options: { tenantId: string; conversationId: string }) => Promise<string | null>;

/**
 * Calendars and appointments (SPEC §1.7): free slots in the calendar's zone, holds that lapse,
 * confirmation in a second step. Overlaps are refused by the database (decision 0051); every
 * change is announced to the tenant's browsers once committed.
 */
export function createCalendarService(deps: Pick<ModuleDeps, 'database' | 'clock' | 'bus' | 'logger'> & { conversationContact: ConversationContact }) {
  const { database, clock, bus, logger, conversationContact } = deps;

  /** Sent after the commit, never for a change that rolled back. */
  function announce(tx: Tx, events: BusEvent[]) {
    if (!events.length) return;
    afterCommit(tx, () => bus.publishMany(events).catch((err: unknown) => logger.warn({ err, events: events.length }, 'calendar realtime publish failed')));
  }
  const created = (tenantId: string, appointment: Appointment): BusEvent => ({ tenantId, type: 'appointment.created', data: appointment });
  const deleted = (tenantId: string, a: { id: string; calendarId: string; contactId: string }): BusEvent => ({
    tenantId,
    type: 'appointment.deleted',
    data: { id: a.id, calendarId: a.calendarId, contactId: a.contactId },
  });

  async function checkCalendar(tx: Tx, tenantId: string, values: CalendarColumns) {
    if (!isValidTimeZone(values.timeZone)) throw invalidCalendar('body.timeZone', `"${values.timeZone}" is not a known IANA time zone`);
    const problem = availabilityProblem(values.availability);
    if (problem) throw invalidCalendar(problem[0], `availability: ${problem[1]}`);
    if (values.userId && !(await userBelongsToTenant(tx, { tenantId, userId: values.userId }))) {
      throw invalidCalendar('body.userId', 'not a user of this workspace');
    }
  }

  async function listCalendars(options: { principal: Principal; limit: number; after?: Keyset }) {
    const { tenantId } = options.principal;
    const rows = await database.readTenant(tenantId, (tx) => selectCalendars(tx, { tenantId, limit: options.limit + 1, ...(options.after ? { after: options.after } : {}) }));
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return { items: items.map(presentCalendar), next: rows.length > options.limit && last ? ([last.name, last.id] as Keyset) : null };
  }

  async function getCalendar(options: { principal: Principal; calendarId: string }) {
    const { tenantId } = options.principal;
    const row = await database.readTenant(tenantId, (tx) => findCalendar(tx, { tenantId, id: options.calendarId }));
    if (!row) throw calendarNotFound();
    return presentCalendar(row);
  }

  async function createCalendar(options: { principal: Principal; body: CreateCalendarBody; meta: RequestMeta }) {
    const { principal, body } = options;
    const { tenantId } = principal;
    const values: CalendarColumns = { ...body, userId: body.userId ?? null };
    return database.withTenant(tenantId, async (tx) => {
      await checkCalendar(tx, tenantId, values);
      const row = await insertCalendar(tx, { tenantId, values });
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'calendar.created', target: { type: 'calendar', id: row.id }, meta: options.meta, details: { name: row.name } });
      return presentCalendar(row);
    });
  }

  async function updateCalendar(options: { principal: Principal; calendarId: string; changes: UpdateCalendarBody; meta: RequestMeta }) {
    const { principal, changes } = options;
    const { tenantId } = principal;
    return database.withTenant(tenantId, async (tx) => {
      const current = await findCalendar(tx, { tenantId, id: options.calendarId, forUpdate: true });
      if (!current) throw calendarNotFound();
      const sent = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as UpdateCalendarBody;
      const values: CalendarColumns = {
        name: sent.name ?? current.name,
        userId: sent.userId === undefined ? current.userId : sent.userId,
        timeZone: sent.timeZone ?? current.timeZone,
        slotMinutes: sent.slotMinutes ?? current.slotMinutes,
        holdMinutes: sent.holdMinutes ?? current.holdMinutes,
        availability: sent.availability ?? current.availability,
      };
      await checkCalendar(tx, tenantId, values);
      // Appointments already booked stay as they are: a new availability applies to new holds.
      const row = await updateCalendarRow(tx, { tenantId, id: current.id, values });
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'calendar.updated', target: { type: 'calendar', id: row.id }, meta: options.meta, details: { fields: Object.keys(sent) } });
      return presentCalendar(row);
    });
  }

  async function freeSlots(options: { principal: Principal; calendarId: string; from?: string | undefined; days: number }): Promise<Slots> {
    const { tenantId } = options.principal;
    const now = clock.now();
    return database.readTenant(tenantId, async (tx) => {
      const calendar = await findCalendar(tx, { tenantId, id: options.calendarId });
      if (!calendar) throw calendarNotFound();
      const from = options.from ?? dateString(wallTimeAt(now, calendar.timeZone));
      const offered = offeredSlots(calendar, { from, days: options.days });
      const first = offered[0];
      const last = offered.at(-1);
      const busy = first && last ? await liveAppointmentsBetween(tx, { tenantId, calendarId: calendar.id, from: first.startsAt, to: last.endsAt, now }) : [];
      const items = freeOf(offered, { busy, now }).map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() }));
      return { timeZone: calendar.timeZone, slotMinutes: calendar.slotMinutes, items };
    });
  }

  /** Step one: the slot reserved for the calendar's hold minutes. A live overlap → 409 slot_taken. */
  async function hold(options: { principal: Principal; calendarId: string; body: HoldBody }) {
    const { principal, body } = options;
    const { tenantId } = principal;
    const now = clock.now();
    const startsAt = new Date(body.startsAt);
    const attempt = () =>
      database.withTenant(tenantId, async (tx) => {
        const calendar = await findCalendar(tx, { tenantId, id: options.calendarId });
        if (!calendar) throw calendarNotFound();
        if (!(await contactExists(tx, { tenantId, contactId: body.contactId }))) throw contactNotFound();
        // The appointment links back to the thread it was booked from: only one of this contact's.
        if (body.conversationId && (await conversationContact(tx, { tenantId, conversationId: body.conversationId })) !== body.contactId) {
          throw notAConversationOfContact();
        }
        const slot = offeredSlotAt(calendar, startsAt);
        if (!slot) throw notASlot(body.startsAt, 'not_offered');
        if (slot.startsAt < now) throw notASlot(body.startsAt, 'past');
        const lapsed = await cancelLapsedHolds(tx, { tenantId, calendarId: calendar.id, now });
        const id = await insertHold(tx, {
          tenantId,
          values: {
            calendarId: calendar.id,
            contactId: body.contactId,
            conversationId: body.conversationId ?? null,
            title: body.title ?? '',
            notes: body.notes ?? '',
            startsAt: slot.startsAt,
            endsAt: slot.endsAt,
            holdExpiresAt: new Date(now.getTime() + calendar.holdMinutes * 60_000),
            createdBy: principal.userId,
          },
        });
        const appointment = presentAppointment((await findAppointment(tx, { tenantId, id }))!);
        announce(tx, [...lapsed.map((a) => deleted(tenantId, a)), created(tenantId, appointment)]);
        return appointment;
      });
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
        if (isExclusionViolation(err)) throw slotTaken(body.startsAt);
        if (isDeadlock(err) && tries < 3) continue;
        throw err;
      }
    }
  }

  /** Step two: a hold that has not lapsed becomes confirmed; confirming twice answers the same. */
  async function confirm(options: { principal: Principal; appointmentId: string; meta: RequestMeta }) {
    const { principal } = options;
    const { tenantId } = principal;
    const now = clock.now();
    return database.withTenant(tenantId, async (tx) => {
      const confirmed = await confirmHeld(tx, { tenantId, id: options.appointmentId, now });
      const view = await findAppointment(tx, { tenantId, id: options.appointmentId });
      if (!view) throw appointmentNotFound();
      const appointment = presentAppointment(view);
      if (!confirmed) {
        if (view.a.status === 'confirmed') return appointment;
        throw holdExpired(view.a.status === 'held' ? 'lapsed' : view.a.status);
      }
      await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'appointment.confirmed', target: { type: 'appointment', id: appointment.id }, meta: options.meta, details: { calendarId: appointment.calendarId, contactId: appointment.contactId, startsAt: appointment.startsAt } });
      // Sent again on confirmation: clients upsert by id (decision 0051).
      announce(tx, [created(tenantId, appointment)]);
      return appointment;
    });
  }

  /** Frees the slot; cancelling a cancelled appointment answers it as it is. */
  async function cancel(options: { principal: Principal; appointmentId: string; meta: RequestMeta }) {
    const { principal } = options;
    const { tenantId } = principal;
    const now = clock.now();
    return database.withTenant(tenantId, async (tx) => {
      const cancelled = await cancelOne(tx, { tenantId, id: options.appointmentId, now });
      const view = await findAppointment(tx, { tenantId, id: options.appointmentId });
      if (!view) throw appointmentNotFound();
      if (cancelled) {
        await recordAudit(tx, { tenantId, actor: actorOf(principal), action: 'appointment.cancelled', target: { type: 'appointment', id: view.a.id }, meta: options.meta, details: { calendarId: view.a.calendarId, contactId: view.a.contactId, startsAt: view.a.startsAt.toISOString() } });
        announce(tx, [deleted(tenantId, cancelled)]);
      }
      return presentAppointment(view);
    });
  }

  /** By start then id; `live` (default) leaves out cancelled and lapsed ones. Only those that end after `from` (default now). */
  async function listAppointments(options: {
    principal: Principal;
    contactId?: string;
    calendarId?: string;
    from?: string;
    to?: string;
    status: 'live' | 'all';
    limit: number;
    after?: Keyset;
  }) {
    const { tenantId } = options.principal;
    const now = clock.now();
    const where: (SQL | undefined)[] = [gt(appointments.endsAt, options.from ? new Date(options.from) : now)];
    if (options.to) where.push(lt(appointments.startsAt, new Date(options.to)));
    if (options.contactId) where.push(eq(appointments.contactId, options.contactId));
    if (options.calendarId) where.push(eq(appointments.calendarId, options.calendarId));
    if (options.status === 'live') where.push(isLive(now));
    if (options.after) {
      const at = new Date(options.after[0]);
      where.push(or(gt(appointments.startsAt, at), and(eq(appointments.startsAt, at), gt(appointments.id, options.after[1]))));
    }
    const rows = await database.readTenant(tenantId, (tx) => selectAppointments(tx, { tenantId, where, limit: options.limit + 1 }));
    const items = rows.slice(0, options.limit).map(presentAppointment);
    const last = items.at(-1);
    return { items, next: rows.length > options.limit && last ? ([last.startsAt, last.id] as Keyset) : null };
  }

  /**
   * Cancels the tenant's lapsed holds and tells its browsers (appointment.deleted). The next hold
   * on a calendar does it too; this sweep is for the holds nobody replaces, so every open panel
   * and agenda drops them about when they lapse, not at the next booking.
   */
  async function releaseLapsedHolds(tenantId: string): Promise<number> {
    return database.withTenant(tenantId, async (tx) => {
      const lapsed = await cancelLapsedHolds(tx, { tenantId, now: clock.now() });
      announce(tx, lapsed.map((a) => deleted(tenantId, a)));
      return lapsed.length;
    });
  }

  const releaseJob = defineJob({
    name: 'calendar.release-lapsed-holds',
    payload: z.object({}).loose(),
    cron: '* * * * *',
    retryLimit: 1,
    async run() {
      const tenants = await database.sql<{ id: string }[]>`select id from app_tenant_ids()`;
      let released = 0;
      for (const { id } of tenants) released += await releaseLapsedHolds(id);
      return { released };
    },
  });

  return { listCalendars, getCalendar, createCalendar, updateCalendar, freeSlots, hold, confirm, cancel, listAppointments, releaseLapsedHolds, releaseJob };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
