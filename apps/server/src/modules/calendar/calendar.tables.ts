import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../platform/db/columns';
import { contacts } from '../contacts/contacts.tables';

/** One weekly opening, wall-clock `HH:MM` in the calendar's zone; weekday 0 = Sunday. */
export type AvailabilityWindowRow = { weekday: number; from: string; to: string };
export type AppointmentStatusRow = 'held' | 'confirmed' | 'cancelled';

/** A bookable calendar of the team (user_id null) or of one user. */
export const calendars = pgTable(
  'calendars',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    userId: uuid(),
    timeZone: text().notNull(),
    slotMinutes: integer().notNull(),
    holdMinutes: integer().notNull(),
    availability: jsonb().$type<AvailabilityWindowRow[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('calendars_tenant_name_idx').on(t.tenantId, t.name, t.id)],
);

/**
 * A held or confirmed slot of a calendar for a contact. Two live appointments of one calendar never
 * overlap: the exclusion constraint `appointments_no_overlap` (added in the migration's SQL; Drizzle
 * cannot declare one) refuses it, races included (decision 0051). A lapsed hold still counts for
 * the constraint until the next hold on its calendar cancels it.
 */
export const appointments = pgTable(
  'appointments',
  {
    tenantId: tenantId(),
    id: id(),
    calendarId: uuid().notNull(),
    contactId: uuid().notNull(),
    /** The inbox conversation it was booked from, if any (no key: the conversation may go). */
    conversationId: uuid(),
    title: text().notNull().default(''),
    notes: text().notNull().default(''),
    startsAt: tstz().notNull(),
    endsAt: tstz().notNull(),
    status: text().$type<AppointmentStatusRow>().notNull(),
    holdExpiresAt: tstz(),
    confirmedAt: tstz(),
    cancelledAt: tstz(),
    createdBy: uuid(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // The contact panel: a contact's upcoming appointments.
    index('appointments_tenant_contact_idx').on(t.tenantId, t.contactId, t.startsAt),
    index('appointments_tenant_calendar_idx').on(t.tenantId, t.calendarId, t.startsAt),
    index('appointments_tenant_starts_idx').on(t.tenantId, t.startsAt, t.id),
    check('appointments_status_check', sql`${t.status} in ('held', 'confirmed', 'cancelled')`),
    check('appointments_range_check', sql`${t.startsAt} < ${t.endsAt}`),
    foreignKey({ columns: [t.tenantId, t.calendarId], foreignColumns: [calendars.tenantId, calendars.id], name: 'appointments_calendar_fk' }).onDelete('cascade'),
    // Deleting a contact (a privacy request) deletes its appointments.
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id], name: 'appointments_contact_fk' }).onDelete('cascade'),
  ],
);
