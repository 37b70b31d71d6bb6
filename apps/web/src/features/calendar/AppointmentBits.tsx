import { clsx } from 'clsx';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge } from '../../ui/Badge';
import type { Appointment } from './calendar.api';
import { browserZone, canonicalZone, formatTime, zoneCity } from './calendar.time';

/** Now, every `ms`: lists drop a hold the moment it lapses (no event says so). */
export function useNow(ms = 15_000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * When an appointment is, said in its calendar's zone ("Mon, 24 Nov, 10:00"), with the zone named
 * when it is not the reader's own; a deadline (a hold's) in the reader's own clock.
 */
export function useAppointmentFormat() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const own = browserZone();
  const zoneSuffix = (zone: string) => (canonicalZone(zone) === own ? '' : ` (${t('calendarUi.inZone', { zone: zoneCity(zone) })})`);
  return {
    locale,
    zoneSuffix,
    when: (a: Pick<Appointment, 'startsAt' | 'timeZone'>) =>
      new Intl.DateTimeFormat(locale, { timeZone: a.timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(a.startsAt)) + zoneSuffix(a.timeZone),
    range: (a: Pick<Appointment, 'startsAt' | 'endsAt' | 'timeZone'>) => `${formatTime(a.startsAt, a.timeZone, locale)}–${formatTime(a.endsAt, a.timeZone, locale)}`,
    /** A near deadline, on the reader's clock. */
    deadline: (iso: string) => formatTime(iso, own, locale),
  };
}

export function AppointmentStatusBadge({ appointment }: { appointment: Pick<Appointment, 'status' | 'holdExpiresAt'> }) {
  const { t } = useTranslation();
  const format = useAppointmentFormat();
  switch (appointment.status) {
    case 'held':
      return (
        // May wrap in a narrow panel rather than overflow it.
        <Badge tone="warning" dot className="max-w-full whitespace-normal! [&>span:first-child]:shrink-0">
          {appointment.holdExpiresAt ? t('calendarUi.status.held', { time: format.deadline(appointment.holdExpiresAt) }) : t('calendarUi.status.heldShort')}
        </Badge>
      );
    case 'confirmed':
      return (
        <Badge tone="success" dot>
          {t('calendarUi.status.confirmed')}
        </Badge>
      );
    default:
      return <Badge>{t('calendarUi.status.cancelled')}</Badge>;
  }
}

/**
 * An appointment's notes as typed when it was booked: plain text (React escapes it), its line breaks
 * kept, two lines at most until "Show all" opens the rest. The whole text is also its tooltip.
 */
export function AppointmentNotes({ notes, className }: { notes: string; className?: string }) {
  const { t } = useTranslation();
  const id = useId();
  const ref = useRef<HTMLParagraphElement>(null);
  const [open, setOpen] = useState(false);
  const [clamped, setClamped] = useState(false);
  // Whether two lines hide anything depends on the width the panel or agenda gives it, so it is measured.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || open) return;
    const measure = () => setClamped(el.scrollHeight > el.clientHeight + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [notes, open]);
  if (!notes.trim()) return null;
  return (
    <div className={className}>
      <p ref={ref} id={id} title={notes} data-testid="appointment-notes" className={clsx('text-xs break-words whitespace-pre-line text-muted', !open && 'line-clamp-2')}>
        {notes}
      </p>
      {clamped || open ? (
        <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)} className="focus-ring rounded-sm text-xs text-link hover:underline" data-testid="appointment-notes-toggle">
          {open ? t('calendarUi.notes.less') : t('calendarUi.notes.more')}
        </button>
      ) : null}
    </div>
  );
}
