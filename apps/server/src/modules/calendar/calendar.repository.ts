import { and, asc, eq, gt, lt, lte, ne, or, type SQL } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database';
import { contacts } from '../contacts/contacts.tables';
import { appointments, calendars, type AvailabilityWindowRow } from './calendar.tables';

export type CalendarRow = typeof calendars.$inferSelect;
export type AppointmentRow = typeof appointments.$inferSelect;
export type AppointmentView = { a: AppointmentRow; calendarName: string; timeZone: string; contact: { firstName: string; lastName: string; company: string; phoneE164: string | null; email: string | null } };

/** Live: confirmed, or held and not lapsed at `now`. A lapsed hold is only cleared by the next hold (decision 0051). */
export const isLive = (now: Date) =>
  or(eq(appointments.status, 'confirmed'), and(eq(appointments.status, 'held'), gt(appointments.holdExpiresAt, now)))!;

export async function selectCalendars(tx: Tx, options: { tenantId: string; limit: number; after?: [string, string] }) {
  const where: (SQL | undefined)[] = [eq(calendars.tenantId, options.tenantId)];
  if (options.after) {
    const [name, id] = options.after;
    where.push(or(gt(calendars.name, name), and(eq(calendars.name, name), gt(calendars.id, id))));
  }
  return tx.select().from(calendars).where(and(...where)).orderBy(asc(calendars.name), asc(calendars.id)).limit(options.limit);
}

export async function findCalendar(tx: Tx, options: { tenantId: string; id: string; forUpdate?: boolean }): Promise<CalendarRow | undefined> {
  const query = tx.select().from(calendars).where(and(eq(calendars.tenantId, options.tenantId), eq(calendars.id, options.id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export type CalendarColumns = { name: string; userId: string | null; timeZone: string; slotMinutes: number; holdMinutes: number; availability: AvailabilityWindowRow[] };

export async function insertCalendar(tx: Tx, options: { tenantId: string; values: CalendarColumns }): Promise<CalendarRow> {
  const [row] = await tx.insert(calendars).values({ tenantId: options.tenantId, ...options.values }).returning();
  return row!;
}

export async function updateCalendarRow(tx: Tx, options: { tenantId: string; id: string; values: CalendarColumns }): Promise<CalendarRow> {
  const [row] = await tx
    .update(calendars)
    .set(options.values)
    .where(and(eq(calendars.tenantId, options.tenantId), eq(calendars.id, options.id)))
    .returning();
  return row!;
}

export async function contactExists(tx: Tx, options: { tenantId: string; contactId: string }): Promise<boolean> {
  const [row] = await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.tenantId, options.tenantId), eq(contacts.id, options.contactId)));
  return Boolean(row);
}

/** Appointments with what their presentation needs (calendar name and zone, contact name), by start. */
export async function selectAppointments(tx: Tx, options: { tenantId: string; where: (SQL | undefined)[]; limit?: number }): Promise<AppointmentView[]> {
  const query = tx
    .select({
      a: appointments,
      calendarName: calendars.name,
      timeZone: calendars.timeZone,
      contact: { firstName: contacts.firstName, lastName: contacts.lastName, company: contacts.company, phoneE164: contacts.phoneE164, email: contacts.email },
    })
    .from(appointments)
    .innerJoin(calendars, and(eq(calendars.tenantId, appointments.tenantId), eq(calendars.id, appointments.calendarId)))
    .innerJoin(contacts, and(eq(contacts.tenantId, appointments.tenantId), eq(contacts.id, appointments.contactId)))
    .where(and(eq(appointments.tenantId, options.tenantId), ...options.where))
    .orderBy(asc(appointments.startsAt), asc(appointments.id));
  return options.limit ? query.limit(options.limit) : query;
}

export async function findAppointment(tx: Tx, options: { tenantId: string; id: string }): Promise<AppointmentView | undefined> {
  const [row] = await selectAppointments(tx, { tenantId: options.tenantId, where: [eq(appointments.id, options.id)] });
  return row;
}

/** The calendar's live appointments that overlap [from, to). */
export async function liveAppointmentsBetween(tx: Tx, options: { tenantId: string; calendarId: string; from: Date; to: Date; now: Date }) {
  return tx
    .select({ startsAt: appointments.startsAt, endsAt: appointments.endsAt })
    .from(appointments)
    .where(
      and(
        eq(appointments.tenantId, options.tenantId),
        eq(appointments.calendarId, options.calendarId),
        lt(appointments.startsAt, options.to),
        gt(appointments.endsAt, options.from),
        isLive(options.now),
      ),
    );
}

type Moved = { id: string; calendarId: string; contactId: string };
const moved = { id: appointments.id, calendarId: appointments.calendarId, contactId: appointments.contactId };

/**
 * Cancels the calendar's (or, without one, the tenant's) lapsed holds: the exclusion constraint
 * cannot look at the clock, so a lapsed hold keeps its slot until this runs, in the transaction of
 * the next hold or in the minute sweep (decision 0051).
 */
export async function cancelLapsedHolds(tx: Tx, options: { tenantId: string; calendarId?: string; now: Date }): Promise<Moved[]> {
  return tx
    .update(appointments)
    .set({ status: 'cancelled', cancelledAt: options.now })
    .where(
      and(
        eq(appointments.tenantId, options.tenantId),
        options.calendarId ? eq(appointments.calendarId, options.calendarId) : undefined,
        eq(appointments.status, 'held'),
        lte(appointments.holdExpiresAt, options.now),
      ),
    )
    .returning(moved);
}

export async function insertHold(
  tx: Tx,
  options: { tenantId: string; values: Omit<typeof appointments.$inferInsert, 'tenantId' | 'status' | 'id'> },
): Promise<string> {
  const [row] = await tx.insert(appointments).values({ tenantId: options.tenantId, status: 'held', ...options.values }).returning({ id: appointments.id });
  return row!.id;
}

/** Held and not lapsed → confirmed; nothing when it is not (the caller says why). */
export async function confirmHeld(tx: Tx, options: { tenantId: string; id: string; now: Date }): Promise<Moved | undefined> {
  const [row] = await tx
    .update(appointments)
    .set({ status: 'confirmed', confirmedAt: options.now, holdExpiresAt: null })
    .where(and(eq(appointments.tenantId, options.tenantId), eq(appointments.id, options.id), eq(appointments.status, 'held'), gt(appointments.holdExpiresAt, options.now)))
    .returning(moved);
  return row;
}

/** Anything not yet cancelled → cancelled (which frees its slot for the constraint). */
export async function cancelOne(tx: Tx, options: { tenantId: string; id: string; now: Date }): Promise<Moved | undefined> {
  const [row] = await tx
    .update(appointments)
    .set({ status: 'cancelled', cancelledAt: options.now })
    .where(and(eq(appointments.tenantId, options.tenantId), eq(appointments.id, options.id), ne(appointments.status, 'cancelled')))
    .returning(moved);
  return row;
}
