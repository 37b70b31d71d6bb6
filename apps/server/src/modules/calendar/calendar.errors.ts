import { AppError, notFound } from '../../platform/errors';

export const calendarNotFound = () => notFound('Calendar');
export const appointmentNotFound = () => notFound('Appointment');
export const contactNotFound = () => notFound('Contact');

export const invalidCalendar = (field: string, message: string) => new AppError('validation_failed', message, { issues: [{ field, message }] });

export const notASlot = (startsAt: string, reason: 'not_offered' | 'past') =>
  new AppError(
    'validation_failed',
    reason === 'past' ? 'That slot has already begun' : "That time is not one of the calendar's slots",
    { issues: [{ field: 'body.startsAt', message: reason === 'past' ? 'in the past' : 'not a slot of the calendar' }], reason, startsAt },
  );

/**
 * The same answer whether the id is another tenant's, another contact's or nobody's, so a hold
 * never tells whether some other workspace has that conversation.
 */
export const notAConversationOfContact = () =>
  new AppError('validation_failed', 'The conversation is not one of this contact in this workspace', {
    issues: [{ field: 'body.conversationId', message: 'not a conversation of this contact' }],
  });

export const slotTaken = (startsAt: string) =>
  new AppError('slot_taken', 'Another appointment already holds that slot; pick another one', { startsAt });

export const holdExpired = (status: string) =>
  new AppError('hold_expired', status === 'cancelled' ? 'The appointment was cancelled; hold a slot again' : 'The hold lapsed before it was confirmed; hold a slot again', { status });

/** SQLSTATE 23P01: the exclusion constraint refused an overlapping live appointment. */
export const isExclusionViolation = (err: unknown) =>
  (err as { code?: string }).code === '23P01' || (err as { cause?: { code?: string } }).cause?.code === '23P01';

/**
 * SQLSTATE 40P01: two holds inserted at once can each find the other's uncommitted row and wait
 * for it; PostgreSQL aborts one (about 1 in 100 simultaneous pairs). Its retry meets the committed
 * winner as a plain 23P01.
 */
export const isDeadlock = (err: unknown) =>
  (err as { code?: string }).code === '40P01' || (err as { cause?: { code?: string } }).cause?.code === '40P01';
