import type { SendWindow } from './campaigns.tables';

/** Whether a string is an IANA time zone this runtime knows. */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || !zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The recipient's time zone: a `timezone` attribute when the contact has one; otherwise from the
 * phone number's country — the tenant's own zone when the number is from the tenant's country
 * (the likeliest zone in a country with several), else the country's first zone.
 */
export function recipientTimeZone(options: { attributes: Record<string, unknown>; phoneCountry: string | null; tenantCountry: string; tenantTimeZone: string }): string {
  const own = options.attributes.timezone ?? options.attributes.timeZone;
  if (isTimeZone(own)) return own;
  const country = options.phoneCountry?.toUpperCase();
  if (!country || country === options.tenantCountry.toUpperCase()) return options.tenantTimeZone;
  const zones = zonesOf(country);
  return zones[0] ?? options.tenantTimeZone;
}

const zoneCache = new Map<string, string[]>();
function zonesOf(country: string): string[] {
  let zones = zoneCache.get(country);
  if (!zones) {
    try {
      const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & { timeZones?: string[]; getTimeZones?: () => string[] };
      zones = locale.getTimeZones?.() ?? locale.timeZones ?? [];
    } catch {
      zones = [];
    }
    zoneCache.set(country, zones);
  }
  return zones;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(zone: string, at: Date) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday!) + 1;
  return { year: +p.year!, month: +p.month!, day: +p.day!, hour: +p.hour!, minute: +p.minute!, second: +p.second!, weekday };
}

/** The offset of `zone` from UTC at `at`, in ms. */
function offsetAt(zone: string, at: Date): number {
  const p = partsIn(zone, at);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a local wall-clock time happens in `zone` (across DST: the offset of that moment). */
function instantOf(zone: string, local: { year: number; month: number; day: number; minutes: number }): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, 0, local.minutes);
  let guess = wall - offsetAt(zone, new Date(wall));
  guess = wall - offsetAt(zone, new Date(guess));
  return new Date(guess);
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * `at` itself when it is inside the window in `zone`, otherwise the next time the window opens.
 * A window whose end is before its start runs past midnight (22:00–06:00).
 */
export function nextOpening(window: SendWindow, zone: string, at: Date): Date {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const days = new Set(window.days);
  const inside = (weekday: number, minute: number) => {
    if (start === end) return days.has(weekday);
    if (start < end) return days.has(weekday) && minute >= start && minute < end;
    // Overnight: the evening part belongs to its own day, the early-morning part to the day before.
    const before = weekday === 1 ? 7 : weekday - 1;
    return (days.has(weekday) && minute >= start) || (days.has(before) && minute < end);
  };
  const now = partsIn(zone, at);
  if (inside(now.weekday, now.hour * 60 + now.minute)) return at;
  for (let offset = 0; offset <= 8; offset++) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + offset));
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    if (!days.has(weekday)) continue;
    const candidate = instantOf(zone, { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), minutes: start });
    if (candidate.getTime() > at.getTime()) return candidate;
  }
  return at;
}

/**
 * The end of the open stretch that `at` (inside the window) belongs to: the day's closing time, the
 * next morning's for the evening part of an overnight window, the next local midnight for a
 * whole-day window (a following open day continues it: the walker below joins the stretches).
 */
function closingAfter(window: SendWindow, zone: string, at: Date): Date {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const now = partsIn(zone, at);
  const minute = now.hour * 60 + now.minute;
  const day = (offset: number, minutes: number) => {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + offset));
    return instantOf(zone, { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), minutes });
  };
  if (start === end) return day(1, 0);
  if (start < end) return day(0, end);
  return minute >= start ? day(1, end) : day(0, end);
}

/**
 * Sends paced through a send window: where the moment falls that lies `seconds` of *open* window
 * time after `from` (the time outside the window does not count). The plan and the campaign's ETA
 * use it: a number that sends one message a second through a two-hour window sends 7,200 a day, not
 * 86,400. A walker, because the plan asks for ever later offsets of the same series: each call goes
 * on from where the last one stopped (an earlier offset than the last starts again from `from`).
 */
export function openTimeWalker(window: SendWindow, zone: string, from: Date) {
  let opened = nextOpening(window, zone, from);
  let closes = closingAfter(window, zone, opened);
  let before = 0; // open seconds before `opened`
  const restart = () => {
    opened = nextOpening(window, zone, from);
    closes = closingAfter(window, zone, opened);
    before = 0;
  };
  return (seconds: number): Date => {
    if (seconds < before) restart();
    for (let guard = 0; guard < 100_000; guard++) {
      const length = (closes.getTime() - opened.getTime()) / 1000;
      if (seconds - before < length) return new Date(opened.getTime() + (seconds - before) * 1000);
      before += length;
      // The next stretch (at `closes` itself when the next day's window continues this one).
      opened = nextOpening(window, zone, closes);
      closes = closingAfter(window, zone, opened);
    }
    return closes;
  };
}
