import { z } from 'zod';
import { ListQuery, page } from './common';

/**
 * Calendars and appointments (SPEC §1.7). A calendar belongs to the tenant or to one user, has a time
 * zone, a slot length and a weekly availability in that zone's wall-clock time. An appointment is
 * first a **hold** (the slot reserved for a few minutes) and becomes **confirmed** in a second step;
 * two live appointments of one calendar never overlap (the database refuses it).
 */

/** `HH:MM`, 24-hour wall-clock time in the calendar's zone. */
const WallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');

/** One opening of one weekday: `weekday` 0 = Sunday … 6 = Saturday; `from` < `to`. */
export const AvailabilityWindow = z.object({ weekday: z.number().int().min(0).max(6), from: WallTime, to: WallTime });
export type AvailabilityWindow = z.infer<typeof AvailabilityWindow>;

export const Calendar = z.object({
  id: z.string(),
  name: z.string(),
  /** The user the calendar belongs to, or null for a calendar of the whole team. */
  userId: z.string().nullable(),
  /** IANA zone, e.g. America/Argentina/Buenos_Aires. */
  timeZone: z.string(),
  slotMinutes: z.number().int(),
  /** How long a hold keeps its slot before it lapses. */
  holdMinutes: z.number().int(),
  availability: z.array(AvailabilityWindow),
  createdAt: z.string(),
});
export type Calendar = z.infer<typeof Calendar>;

const calendarFields = {
  name: z.string().trim().min(1).max(120),
  userId: z.uuid().nullable().optional(),
  timeZone: z.string().min(1).max(64),
  slotMinutes: z.number().int().min(5).max(480),
  holdMinutes: z.number().int().min(1).max(120),
  availability: z.array(AvailabilityWindow).max(50),
};
export const CreateCalendarBody = z.object({
  ...calendarFields,
  slotMinutes: calendarFields.slotMinutes.default(30),
  holdMinutes: calendarFields.holdMinutes.default(10),
  availability: calendarFields.availability.default([]),
});
export type CreateCalendarBody = z.infer<typeof CreateCalendarBody>;
/** Only the fields sent change (no defaults here: `.partial()` of the create body would reset them). */
export const UpdateCalendarBody = z.object(calendarFields).partial();
export type UpdateCalendarBody = z.infer<typeof UpdateCalendarBody>;

export const CalendarPage = page(Calendar);

/** GET /calendars/:id/slots?from=YYYY-MM-DD&days=N — free slots, days in the calendar's zone (`from` defaults to its today). */
export const SlotsQuery = z.object({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  days: z.coerce.number().int().min(1).max(31).default(7),
});
export const Slot = z.object({ startsAt: z.string(), endsAt: z.string() });
export type Slot = z.infer<typeof Slot>;
export const Slots = z.object({ timeZone: z.string(), slotMinutes: z.number().int(), items: z.array(Slot) });
export type Slots = z.infer<typeof Slots>;

/** `held` lapses at `holdExpiresAt` unless confirmed; `cancelled` and lapsed holds free the slot. */
export const AppointmentStatus = z.enum(['held', 'confirmed', 'cancelled']);
export type AppointmentStatus = z.infer<typeof AppointmentStatus>;

export const Appointment = z.object({
  id: z.string(),
  calendarId: z.string(),
  calendarName: z.string(),
  contactId: z.string(),
  contactName: z.string(),
  conversationId: z.string().nullable(),
  title: z.string(),
  notes: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  timeZone: z.string(),
  status: AppointmentStatus,
  holdExpiresAt: z.string().nullable(),
  confirmedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});
export type Appointment = z.infer<typeof Appointment>;

/**
 * POST /calendars/:id/holds — step one: reserve a slot. `startsAt` must be a free slot of the
 * calendar's availability (409 `slot_taken` when another live appointment overlaps it, 400
 * `validation_failed` when it is not a slot of the calendar or has begun; SPEC §2: validation errors are 400). Answers the held appointment.
 */
export const HoldBody = z.object({
  contactId: z.uuid(),
  startsAt: z.iso.datetime({ offset: true }),
  conversationId: z.uuid().optional(),
  title: z.string().trim().max(200).optional(),
  notes: z.string().max(2000).optional(),
});
export type HoldBody = z.infer<typeof HoldBody>;

/** GET /appointments?contactId=&calendarId=&from=&to=&status= — newest-first is not useful here: by start. */
export const AppointmentsQuery = ListQuery.extend({
  contactId: z.uuid().optional(),
  calendarId: z.uuid().optional(),
  /** Only appointments that end after this instant (default: now, i.e. upcoming). */
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** Default: the live ones (held and not lapsed, confirmed). */
  status: z.enum(['live', 'all']).default('live'),
});
export const AppointmentPage = page(Appointment);

/** Realtime payloads (SPEC §1.6): `appointment.created` carries the appointment; `appointment.deleted` its id. */
export const AppointmentDeletedEvent = z.object({ id: z.string(), calendarId: z.string(), contactId: z.string() });
