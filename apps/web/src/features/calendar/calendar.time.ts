/**
 * Times of a calendar are wall-clock times in the calendar's zone (SPEC §1.7): they are shown in that
 * zone, labelled with it when it is not the reader's own, and days are counted in it.
 */

/**
 * The reader's zone, under the name the list below uses: browsers may answer an older alias
 * (Chromium says America/Buenos_Aires for America/Argentina/Buenos_Aires).
 */
export const browserZone = () => canonicalZone(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');

/** One name per place: an alias of a listed zone (same city) becomes the listed name. */
export const canonicalZone = (zone: string) => COMMON_ZONES.find((z) => z !== zone && zoneCity(z) === zoneCity(zone)) ?? zone;

/** The zones offered first when creating a calendar; the browser's and the calendar's own are added. */
export const COMMON_ZONES = [
  'America/Argentina/Buenos_Aires',
  'America/Mexico_City',
  'America/Bogota',
  'America/Santiago',
  'America/Lima',
  'America/Caracas',
  'America/Montevideo',
  'America/Asuncion',
  'America/La_Paz',
  'America/Guayaquil',
  'America/Sao_Paulo',
  'America/Panama',
  'America/Costa_Rica',
  'America/Guatemala',
  'America/Santo_Domingo',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'Europe/Madrid',
  'Europe/London',
  'UTC',
] as const;

export function zoneOptions(...extra: string[]) {
  const zones = new Set<string>([...extra.filter(Boolean).map(canonicalZone), ...COMMON_ZONES]);
  return [...zones];
}

/** "America/Argentina/Buenos_Aires" → "Buenos Aires": what a person calls the zone. */
export const zoneCity = (zone: string) => (zone === 'UTC' ? 'UTC' : (zone.split('/').pop() ?? zone).replace(/_/g, ' '));

/** The zone with its current offset, e.g. "Buenos Aires (GMT-3)". */
export function zoneLabel(zone: string, locale: string, at = new Date()) {
  const offset = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
  return offset && zone !== 'UTC' ? `${zoneCity(zone)} (${offset})` : zoneCity(zone);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a zone. */
export function dayIn(zone: string, at: Date | string = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(typeof at === 'string' ? new Date(at) : at);
}

/** The day `n` days after a YYYY-MM-DD day (calendar arithmetic, no zone involved). */
export function addDays(day: string, n: number) {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

const noon = (day: string) => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d, 12));
};

/** A day's name as a heading says it: "Monday, 24 November". */
export const formatDay = (day: string, locale: string, options: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long' }) =>
  new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(noon(day));

/** The weekday (0 = Sunday) of a YYYY-MM-DD day. */
export const weekdayOf = (day: string) => noon(day).getUTCDay();

/** "10:30" in the zone, in the reader's language. */
export const formatTime = (iso: string, zone: string, locale: string) => new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

/** A weekday's name (0 = Sunday), long or short. */
export const weekdayName = (weekday: number, locale: string, width: 'long' | 'short' = 'long') => formatDay(addDays('2024-01-07', weekday), locale, { weekday: width });

/** A wall-clock "HH:MM" of an availability window, as the reader's language writes times. */
export function formatWallTime(time: string, locale: string) {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1, h, m)));
}
