/**
 * Wall-clock time in an IANA zone ↔ instants, with the platform's own tz database (Intl): no library.
 * A wall time that does not exist (the hour skipped when clocks go forward) has no instant; one that
 * happens twice (the hour repeated when they go back) is its first occurrence.
 */

export type WallTime = { year: number; month: number; day: number; hour: number; minute: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a zone name the runtime knows (IANA names and their aliases; not bare offsets like `+03:00`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z]/.test(timeZone)) return false;
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time `instant` shows in `timeZone` (seconds dropped). */
export function wallTimeAt(instant: Date, timeZone: string): WallTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** Minutes the zone is ahead of UTC at `instant` (−180 for Buenos Aires). */
function offsetMinutesAt(epochMs: number, timeZone: string): number {
  const w = wallTimeAt(new Date(epochMs), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

const sameWall = (a: WallTime, b: WallTime) => a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;

/** The instant the wall time `wall` happens in `timeZone`, or null when the zone skips it. */
export function instantOf(wall: WallTime, timeZone: string): Date | null {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // The zone's offset a day either side brackets any change near this time: try both, earlier first.
  const candidates = [...new Set([offsetMinutesAt(asUtc - 86_400_000, timeZone), offsetMinutesAt(asUtc + 86_400_000, timeZone), offsetMinutesAt(asUtc, timeZone)])]
    .map((offset) => asUtc - offset * 60_000)
    .sort((a, b) => a - b);
  for (const at of candidates) if (sameWall(wallTimeAt(new Date(at), timeZone), wall)) return new Date(at);
  return null;
}

/** `YYYY-MM-DD` → its parts; the weekday (0 = Sunday) of a calendar date does not depend on the zone. */
export function parseDate(date: string): { year: number; month: number; day: number; weekday: number } {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const d = new Date(Date.UTC(year, month - 1, day));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

/** The date `days` after `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

export function dateString(w: { year: number; month: number; day: number }): string {
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** `HH:MM` → minutes after midnight. */
export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
