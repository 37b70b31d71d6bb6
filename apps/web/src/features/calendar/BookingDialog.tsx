import { clsx } from 'clsx';
import { CalendarCheck2, Plus } from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorText } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Dialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { LoadingBlock } from '../../ui/Spinner';
import { useAppointmentFormat } from './AppointmentBits';
import { isSlotGone, useAppointmentMutations, useCalendars, useSlots, type Appointment, type Calendar } from './calendar.api';
import { addDays, dayIn, formatDay, formatTime, zoneLabel } from './calendar.time';

/** How far ahead the day strip looks. */
const DAYS = 14;

type Props = { open: boolean; onOpenChange: (open: boolean) => void; contactId: string; contactName: string; conversationId?: string | undefined };

/**
 * Books an appointment in two steps: a free time is picked and **held** (reserved for the calendar's
 * hold length), then confirmed, or released for others. A time someone else took meanwhile, or a hold
 * that lapsed, is said in plain words and the free times are asked again.
 */
export function BookingDialog(props: Props) {
  const { t, i18n } = useTranslation();
  const calendars = useCalendars(props.open);
  const [calendarId, setCalendarId] = useState('');
  const [held, setHeld] = useState<Appointment | null>(null);
  const [confirmed, setConfirmed] = useState<Appointment | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [details, setDetails] = useState<Details>({ title: '', notes: '' });
  // On a phone the optional title and notes wait behind a button, so the days and free times show on opening.
  const [detailsOpen, setDetailsOpen] = useState(false);
  const detailsId = useId();
  const titleInput = useRef<HTMLInputElement>(null);
  const list = calendars.data?.items ?? [];
  const calendar = list.find((c) => c.id === calendarId) ?? list[0];

  useEffect(() => {
    if (!props.open) return;
    setHeld(null);
    setConfirmed(null);
    setProblem(null);
    setDetails({ title: '', notes: '' });
    setDetailsOpen(false);
  }, [props.open]);

  useEffect(() => {
    if (detailsOpen) titleInput.current?.focus();
  }, [detailsOpen]);

  const title = props.contactName ? t('calendarUi.book.title', { name: props.contactName }) : t('calendarUi.book.titleNoName');
  const close = () => props.onOpenChange(false);
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={title}
      size="lg"
      {...(calendar ? { description: t('calendarUi.book.zoneNote', { zone: zoneLabel(calendar.timeZone, i18n.language) }) } : {})}
      footer={
        confirmed ? (
          // Focus follows the step (the button that moved it is gone).
          <Button autoFocus onClick={close}>
            {t('calendarUi.book.done')}
          </Button>
        ) : held ? (
          <HeldActions held={held} onConfirmed={setConfirmed} onReleased={() => setHeld(null)} onProblem={(e) => { setProblem(e); if (isSlotGone(e)) setHeld(null); }} />
        ) : (
          <Button variant="secondary" onClick={close}>
            {t('common.close')}
          </Button>
        )
      }
    >
      {calendars.isPending ? <LoadingBlock label={t('calendarUi.loading')} /> : null}
      {calendars.isError ? <ErrorAlert error={calendars.error} onRetry={() => void calendars.refetch()} /> : null}
      {calendars.data && !calendar ? (
        <Alert>
          <p>{t('calendarUi.book.noCalendars')}</p>
          <Link to="/calendar" className="focus-ring text-link underline">
            {t('calendarUi.book.createCalendar')}
          </Link>
        </Alert>
      ) : null}
      {problem ? (
        <div className="mb-4" data-testid="booking-problem">
          {isSlotGone(problem) ? <Alert tone="warning">{errorText(problem, t)}</Alert> : <ErrorAlert error={problem} />}
        </div>
      ) : null}
      {calendar && confirmed ? <Confirmed appointment={confirmed} /> : null}
      {calendar && held && !confirmed ? <Held appointment={held} contactName={props.contactName} /> : null}
      {calendar && !held && !confirmed ? (
        <>
          {list.length > 1 ? (
            <Field label={t('calendarUi.book.calendar')} className="mb-4">
              {(control) => <Select {...control} value={calendar.id} onValueChange={(id) => { setCalendarId(id); setProblem(null); }} options={list.map((c) => ({ value: c.id, label: c.name }))} />}
            </Field>
          ) : null}
          {detailsOpen ? null : (
            <Button variant="ghost" size="sm" className="-ml-2 mb-2 sm:hidden" icon={<Plus className="size-4" aria-hidden />} aria-expanded={false} aria-controls={detailsId} onClick={() => setDetailsOpen(true)}>
              {t('calendarUi.book.addDetails')}
            </Button>
          )}
          <div id={detailsId} className={clsx('mb-4 grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)]', detailsOpen ? '' : 'max-sm:hidden')} data-testid="booking-details">
            <Field label={t('calendarUi.book.subject')}>
              {(control) => <Input {...control} ref={titleInput} value={details.title} maxLength={200} placeholder={t('calendarUi.book.subjectPlaceholder')} onChange={(e) => setDetails((d) => ({ ...d, title: e.target.value }))} />}
            </Field>
            <Field label={t('calendarUi.book.notes')}>
              {(control) => <Textarea {...control} className="min-h-9!" rows={1} value={details.notes} maxLength={2000} placeholder={t('calendarUi.book.notesPlaceholder')} onChange={(e) => setDetails((d) => ({ ...d, notes: e.target.value }))} />}
            </Field>
          </div>
          <SlotPicker
            key={calendar.id}
            details={details}
            calendar={calendar}
            onPick={() => setProblem(null)}
            onHeld={setHeld}
            onProblem={setProblem}
            contactId={props.contactId}
            conversationId={props.conversationId}
          />
        </>
      ) : null}
    </Dialog>
  );
}

/** Optional words of the appointment, sent with the hold. */
type Details = { title: string; notes: string };

function SlotPicker(props: { calendar: Calendar; details: Details; contactId: string; conversationId?: string | undefined; onPick: () => void; onHeld: (a: Appointment) => void; onProblem: (e: unknown) => void }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const { calendar } = props;
  const from = dayIn(calendar.timeZone);
  const slots = useSlots(calendar.id, from, DAYS);
  const { hold } = useAppointmentMutations();
  const [day, setDay] = useState('');
  const [picked, setPicked] = useState('');

  const byDay = useMemo(() => {
    const map = new Map<string, { startsAt: string; endsAt: string }[]>();
    const now = Date.now();
    for (const slot of slots.data?.items ?? []) {
      if (Date.parse(slot.startsAt) <= now) continue;
      const key = dayIn(calendar.timeZone, slot.startsAt);
      map.set(key, [...(map.get(key) ?? []), slot]);
    }
    return map;
  }, [slots.data, calendar.timeZone]);
  const days = Array.from({ length: DAYS }, (_, i) => addDays(from, i));
  // The first day with free times, until one is picked (and again when the picked one fills up).
  const firstFree = days.find((d) => byDay.has(d)) ?? '';
  const shown = day && byDay.has(day) ? day : firstFree;

  if (slots.isPending) return <LoadingBlock label={t('calendarUi.loading')} />;
  if (slots.isError) return <ErrorAlert error={slots.error} onRetry={() => void slots.refetch()} />;
  if (!firstFree) return <Alert>{t('calendarUi.book.noSlots', { count: DAYS })}</Alert>;
  const free = byDay.get(shown) ?? [];
  const pick = (startsAt: string) => {
    props.onPick();
    setPicked(startsAt);
    const title = props.details.title.trim();
    const notes = props.details.notes.trim();
    hold.mutate(
      {
        calendarId: calendar.id,
        contactId: props.contactId,
        startsAt,
        ...(props.conversationId ? { conversationId: props.conversationId } : {}),
        ...(title ? { title } : {}),
        ...(notes ? { notes } : {}),
      },
      { onSuccess: props.onHeld, onError: props.onProblem },
    );
  };
  return (
    <div className="space-y-4">
      <div role="group" aria-label={t('calendarUi.book.days')} className="grid grid-cols-7 gap-1 sm:gap-1.5" data-testid="day-strip">
        {days.map((d) => {
          const count = byDay.get(d)?.length ?? 0;
          const selected = d === shown;
          return (
            <button
              key={d}
              type="button"
              disabled={count === 0}
              aria-pressed={selected}
              aria-label={`${formatDay(d, locale)}, ${t('calendarUi.book.freeCount', { count })}`}
              onClick={() => setDay(d)}
              data-day={d}
              className={clsx(
                'focus-ring flex min-w-0 flex-col items-center rounded-md border px-0.5 py-1.5 text-xs transition-colors disabled:cursor-not-allowed disabled:opacity-40',
                selected ? 'border-primary bg-primary text-primary-fg' : 'border-border bg-surface hover:bg-hover',
              )}
            >
              <span className={clsx('uppercase', selected ? '' : 'text-muted')}>{formatDay(d, locale, { weekday: 'short' })}</span>
              <span className="text-base font-semibold">{formatDay(d, locale, { day: 'numeric' })}</span>
              <span className={clsx('text-[10px]', selected ? '' : 'text-subtle')}>{formatDay(d, locale, { month: 'short' })}</span>
            </button>
          );
        })}
      </div>
      <div>
        <h3 id="slots-heading" className="mb-2 text-[13px] font-medium first-letter:uppercase">
          {t('calendarUi.book.slots', { day: formatDay(shown, locale) })}
        </h3>
        <div role="group" aria-labelledby="slots-heading" className="grid grid-cols-3 gap-2 sm:grid-cols-5" data-testid="slots">
          {free.map((slot) => (
            <Button
              key={slot.startsAt}
              variant="secondary"
              size="sm"
              data-starts-at={slot.startsAt}
              loading={hold.isPending && picked === slot.startsAt}
              disabled={hold.isPending}
              onClick={() => pick(slot.startsAt)}
            >
              {formatTime(slot.startsAt, calendar.timeZone, locale)}
            </Button>
          ))}
        </div>
      </div>
    </div>
  );
}

function Held({ appointment, contactName }: { appointment: Appointment; contactName: string }) {
  const { t } = useTranslation();
  const format = useAppointmentFormat();
  return (
    <div className="rounded-lg border border-warning/40 bg-warning-soft p-4" data-testid="booking-held" role="status">
      <p className="font-semibold text-warning">{t('calendarUi.book.heldTitle', { time: format.deadline(appointment.holdExpiresAt ?? appointment.startsAt) })}</p>
      <p className="mt-1 text-sm">{t('calendarUi.book.heldBody', { when: format.when(appointment), name: contactName || appointment.contactName })}</p>
    </div>
  );
}

function HeldActions(props: { held: Appointment; onConfirmed: (a: Appointment) => void; onReleased: () => void; onProblem: (e: unknown) => void }) {
  const { t } = useTranslation();
  const { confirm, cancel } = useAppointmentMutations();
  const busy = confirm.isPending || cancel.isPending;
  return (
    <>
      <Button variant="secondary" loading={cancel.isPending} loadingText={t('calendarUi.book.releasing')} disabled={busy} onClick={() => cancel.mutate(props.held.id, { onSuccess: props.onReleased, onError: props.onProblem })}>
        {t('calendarUi.book.release')}
      </Button>
      <Button autoFocus loading={confirm.isPending} loadingText={t('calendarUi.book.confirming')} disabled={busy} onClick={() => confirm.mutate(props.held.id, { onSuccess: props.onConfirmed, onError: props.onProblem })}>
        {t('calendarUi.book.confirm')}
      </Button>
    </>
  );
}

function Confirmed({ appointment }: { appointment: Appointment }) {
  const { t } = useTranslation();
  const format = useAppointmentFormat();
  return (
    <div className="flex items-start gap-3 rounded-lg border border-success/40 bg-success-soft p-4" data-testid="booking-confirmed" role="status">
      <CalendarCheck2 className="mt-0.5 size-5 shrink-0 text-success" aria-hidden />
      <div>
        <p className="font-semibold text-success">{t('calendarUi.book.confirmedTitle')}</p>
        <p className="mt-1 text-sm">{t('calendarUi.book.confirmedBody', { when: format.when(appointment), calendar: appointment.calendarName })}</p>
      </div>
    </div>
  );
}
