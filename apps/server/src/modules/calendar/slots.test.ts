import { describe, expect, it } from 'vitest';
import { offeredSlotAt, offeredSlots, slotsOfDate, freeOf, availabilityProblem } from './slots';
import { instantOf, isValidTimeZone } from './zone';

const morning = (timeZone: string) => ({
  timeZone,
  slotMinutes: 60,
  availability: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, from: '09:00', to: '12:00' })),
});
const starts = (slots: { startsAt: Date }[]) => slots.map((s) => s.startsAt.toISOString());

describe('slots on the wall clock of the calendar’s zone', () => {
  it('keeps a 09:00–12:00 window at 09:00 local across New York’s spring change (2026-03-08)', () => {
    expect(starts(offeredSlots(morning('America/New_York'), { from: '2026-03-07', days: 2 }))).toEqual([
      // Saturday, EST (UTC−5)
      '2026-03-07T14:00:00.000Z', '2026-03-07T15:00:00.000Z', '2026-03-07T16:00:00.000Z',
      // Sunday, EDT (UTC−4)
      '2026-03-08T13:00:00.000Z', '2026-03-08T14:00:00.000Z', '2026-03-08T15:00:00.000Z',
    ]);
  });

  it('keeps it at 09:00 local across the autumn change (2026-11-01)', () => {
    expect(starts(offeredSlots(morning('America/New_York'), { from: '2026-10-31', days: 2 }))).toEqual([
      '2026-10-31T13:00:00.000Z', '2026-10-31T14:00:00.000Z', '2026-10-31T15:00:00.000Z',
      '2026-11-01T14:00:00.000Z', '2026-11-01T15:00:00.000Z', '2026-11-01T16:00:00.000Z',
    ]);
  });

  it('has no change in Buenos Aires (UTC−3 all year)', () => {
    expect(starts(offeredSlots(morning('America/Argentina/Buenos_Aires'), { from: '2026-03-07', days: 2 }))).toEqual([
      '2026-03-07T12:00:00.000Z', '2026-03-07T13:00:00.000Z', '2026-03-07T14:00:00.000Z',
      '2026-03-08T12:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-08T14:00:00.000Z',
    ]);
  });

  it('offers no slot at a time the zone skips, and the first of a repeated hour', () => {
    const night = { timeZone: 'America/New_York', slotMinutes: 60, availability: [{ weekday: 0, from: '01:00', to: '04:00' }] };
    // 02:00 does not exist on 2026-03-08: 01:00 EST, then 03:00 EDT.
    expect(starts(slotsOfDate(night, '2026-03-08'))).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z']);
    // 01:00 happens twice on 2026-11-01: the first (EDT) is the slot.
    expect(starts(slotsOfDate(night, '2026-11-01'))).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z']);
    expect(instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York')).toBeNull();
  });

  it('finds the offered slot at an instant, and only at a slot’s start', () => {
    const offer = morning('America/New_York');
    expect(offeredSlotAt(offer, new Date('2026-03-08T13:00:00Z'))?.endsAt.toISOString()).toBe('2026-03-08T14:00:00.000Z');
    expect(offeredSlotAt(offer, new Date('2026-03-08T13:30:00Z'))).toBeUndefined();
    // 09:00 of the day before's offset (EST, 14:00Z) is 10:00 EDT: a slot; 12:00Z is 08:00 EDT: none.
    expect(offeredSlotAt(offer, new Date('2026-03-08T14:00:00Z'))?.startsAt.toISOString()).toBe('2026-03-08T14:00:00.000Z');
    expect(offeredSlotAt(offer, new Date('2026-03-08T12:00:00Z'))).toBeUndefined();
  });

  it('leaves out slots that began and slots a live appointment overlaps', () => {
    const slots = offeredSlots(morning('America/Argentina/Buenos_Aires'), { from: '2026-03-07', days: 1 });
    const busy = [{ startsAt: new Date('2026-03-07T13:30:00Z'), endsAt: new Date('2026-03-07T14:00:00Z') }];
    expect(starts(freeOf(slots, { busy, now: new Date('2026-03-07T12:00:00.001Z') }))).toEqual(['2026-03-07T14:00:00.000Z']);
  });

  it('refuses windows that end before they start or overlap, and unknown zones', () => {
    expect(availabilityProblem([{ weekday: 1, from: '12:00', to: '09:00' }])?.[0]).toBe('body.availability.0.to');
    expect(availabilityProblem([{ weekday: 1, from: '09:00', to: '09:00' }])?.[0]).toBe('body.availability.0.to');
    expect(availabilityProblem([{ weekday: 1, from: '09:00', to: '12:00' }, { weekday: 1, from: '11:00', to: '13:00' }])?.[0]).toBe('body.availability.0');
    expect(availabilityProblem([{ weekday: 1, from: '09:00', to: '12:00' }, { weekday: 2, from: '11:00', to: '13:00' }])).toBeNull();
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('+03:00')).toBe(false);
  });
});
