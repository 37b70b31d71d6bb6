import type { AvailabilityWindowRow } from './calendar.tables';
import { addDays, dateString, instantOf, minutesOf, parseDate, wallTimeAt } from './zone';

export type SlotTimes = { startsAt: Date; endsAt: Date };
type Offer = { timeZone: string; slotMinutes: number; availability: AvailabilityWindowRow[] };

/**
 * The slots a calendar offers on one date of its zone: each of the weekday's windows cut into
 * slot-length pieces from its start, on the wall clock, so a 09:00 window opens at 09:00 local on
 * both sides of a DST change. A start the zone skips (clocks going forward) is no slot; a slot's end
 * is its start plus the slot length in real time.
 */
export function slotsOfDate(offer: Offer, date: string): SlotTimes[] {
  const { year, month, day, weekday } = parseDate(date);
  const slots: SlotTimes[] = [];
  for (const window of offer.availability) {
    if (window.weekday !== weekday) continue;
    const end = minutesOf(window.to);
    for (let m = minutesOf(window.from); m + offer.slotMinutes <= end; m += offer.slotMinutes) {
      const startsAt = instantOf({ year, month, day, hour: Math.floor(m / 60), minute: m % 60 }, offer.timeZone);
      if (startsAt) slots.push({ startsAt, endsAt: new Date(startsAt.getTime() + offer.slotMinutes * 60_000) });
    }
  }
  return slots.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** The offered slots of `days` dates from `from` (dates of the calendar's zone). */
export function offeredSlots(offer: Offer, options: { from: string; days: number }): SlotTimes[] {
  return Array.from({ length: options.days }, (_, i) => slotsOfDate(offer, addDays(options.from, i))).flat();
}

/** The offered slot that starts at `instant`, if there is one. */
export function offeredSlotAt(offer: Offer, instant: Date): SlotTimes | undefined {
  const date = dateString(wallTimeAt(instant, offer.timeZone));
  return slotsOfDate(offer, date).find((s) => s.startsAt.getTime() === instant.getTime());
}

/** Slots that have not begun at `now` and overlap no busy interval. */
export function freeOf(slots: SlotTimes[], options: { busy: SlotTimes[]; now: Date }): SlotTimes[] {
  return slots.filter(
    (s) => s.startsAt.getTime() >= options.now.getTime() && !options.busy.some((b) => b.startsAt.getTime() < s.endsAt.getTime() && b.endsAt.getTime() > s.startsAt.getTime()),
  );
}

/** The problem with a weekly availability, if any: `[field, message]`. */
export function availabilityProblem(availability: AvailabilityWindowRow[]): [string, string] | null {
  for (const [i, w] of availability.entries()) {
    if (minutesOf(w.from) >= minutesOf(w.to)) return [`body.availability.${i}.to`, 'must be after from'];
  }
  for (const [i, w] of availability.entries()) {
    const overlapping = availability.findIndex((o, j) => j !== i && o.weekday === w.weekday && minutesOf(o.from) < minutesOf(w.to) && minutesOf(o.to) > minutesOf(w.from));
    if (overlapping >= 0) return [`body.availability.${i}`, `overlaps window ${overlapping} of the same weekday`];
  }
  return null;
}
