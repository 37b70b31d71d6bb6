import { CalendarClock, CalendarDays, Pencil, Plus, UserRound, UsersRound } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { buttonClass, Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { EmptyState } from '../../ui/EmptyState';
import { ListStates, LoadMore } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { useCan, useSession } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import { AppointmentNotes, AppointmentStatusBadge, useAppointmentFormat, useNow } from './AppointmentBits';
import { CalendarDialog } from './CalendarDialog';
import { isUpcoming, useAppointments, useAppointmentsRealtime, useCalendars, type Appointment, type Calendar } from './calendar.api';
import { dayIn, formatDay, formatWallTime, weekdayName, zoneLabel } from './calendar.time';

/** The tenant's calendars (created and edited by those who manage them) and the agenda of what is booked. */
export function CalendarPage() {
  const { t } = useTranslation();
  const can = useCan();
  const canManage = can('calendar.manage');
  const calendars = useCalendars();
  const me = useSession().user;
  // Names of the calendars' owners, for those who may read the team (the others see "yours" or "a person's").
  const users = useAllUsers(can('users.read'));
  const ownerOf = (c: Calendar) => {
    if (!c.userId) return t('calendarUi.owner.team');
    if (c.userId === me.id) return t('calendarUi.owner.mine');
    const name = users.data?.find((u) => u.id === c.userId)?.name;
    return name ? t('calendarUi.owner.user', { name }) : t('calendarUi.owner.someone');
  };
  const [editing, setEditing] = useState<Calendar | 'new' | null>(null);
  const list = calendars.data?.items ?? [];
  return (
    <Page wide>
      <PageHeader
        title={t('calendarUi.title')}
        description={t('calendarUi.subtitle')}
        actions={
          canManage && list.length ? (
            <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setEditing('new')}>
              {t('calendarUi.newCalendar')}
            </Button>
          ) : null
        }
      />
      <div className="space-y-10">
        <section aria-labelledby="calendars-heading">
          <h2 id="calendars-heading" className="text-base font-semibold">{t('calendarUi.calendars')}</h2>
          <p className="mt-0.5 mb-3 text-[13px] text-muted">{t('calendarUi.calendarsBody')}</p>
          <ListStates
            query={calendars}
            items={calendars.data?.items}
            empty={
              <EmptyState
                icon={CalendarDays}
                title={t('calendarUi.noCalendarsTitle')}
                body={canManage ? t('calendarUi.noCalendarsBody') : t('calendarUi.noCalendarsReadOnly')}
                action={
                  canManage ? (
                    <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setEditing('new')}>
                      {t('calendarUi.newCalendar')}
                    </Button>
                  ) : null
                }
              />
            }
          >
            {(items) => (
              <ul className="grid gap-3 md:grid-cols-2">
                {items.map((c) => (
                  <CalendarCard key={c.id} calendar={c} owner={ownerOf(c)} onEdit={canManage ? () => setEditing(c) : undefined} />
                ))}
              </ul>
            )}
          </ListStates>
        </section>
        {list.length ? <Agenda /> : null}
      </div>
      {canManage ? <CalendarDialog calendar={editing} onClose={() => setEditing(null)} /> : null}
    </Page>
  );
}

function CalendarCard({ calendar: c, owner, onEdit }: { calendar: Calendar; owner: string; onEdit: (() => void) | undefined }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  // Monday first; each open day with its windows, e.g. "Monday 09:00–12:00, 14:00–18:00".
  const days = [1, 2, 3, 4, 5, 6, 0]
    .map((weekday) => ({ weekday, windows: c.availability.filter((w) => w.weekday === weekday).sort((a, b) => a.from.localeCompare(b.from)) }))
    .filter((d) => d.windows.length);
  return (
    <li className="rounded-lg border border-border bg-surface p-4 shadow-xs" data-testid="calendar-card">
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="truncate font-semibold">{c.name}</h3>
          <p className="flex items-center gap-1 text-[13px] text-muted" data-testid="calendar-owner">
            {c.userId ? <UserRound className="size-3.5 shrink-0" aria-hidden /> : <UsersRound className="size-3.5 shrink-0" aria-hidden />}
            <span className="truncate">{owner}</span>
          </p>
          <p className="text-[13px] text-muted">
            {zoneLabel(c.timeZone, locale)} · {t('calendarUi.slotEvery', { count: c.slotMinutes })} · {t('calendarUi.holdFor', { count: c.holdMinutes })}
          </p>
        </div>
        {onEdit ? (
          <Button variant="ghost" size="icon" aria-label={t('calendarUi.edit', { name: c.name })} onClick={onEdit}>
            <Pencil className="size-4" aria-hidden />
          </Button>
        ) : null}
      </div>
      {days.length ? (
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-[13px]">
          {days.map((d) => (
            <div key={d.weekday} className="contents">
              <dt className="text-muted first-letter:uppercase">{weekdayName(d.weekday, locale)}</dt>
              <dd>{d.windows.map((w) => `${formatWallTime(w.from, locale)}–${formatWallTime(w.to, locale)}`).join(', ')}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="mt-3 text-[13px] text-warning">{t('calendarUi.closed')}</p>
      )}
    </li>
  );
}

/** Upcoming appointments of every calendar, grouped by the day they fall on in their calendar's zone. */
function Agenda() {
  const { t, i18n } = useTranslation();
  const appointments = useAppointments({});
  useAppointmentsRealtime();
  const now = useNow();
  const items = (appointments.data?.pages.flatMap((p) => p.items) ?? []).filter((a) => isUpcoming(a, now));
  const days = new Map<string, Appointment[]>();
  for (const a of items) {
    const day = dayIn(a.timeZone, a.startsAt);
    days.set(day, [...(days.get(day) ?? []), a]);
  }
  return (
    <section aria-labelledby="agenda-heading" data-testid="agenda">
      <h2 id="agenda-heading" className="text-base font-semibold">{t('calendarUi.agenda')}</h2>
      <p className="mt-0.5 mb-3 text-[13px] text-muted">{t('calendarUi.agendaBody')}</p>
      <ListStates
        query={appointments}
        items={items}
        empty={
          <EmptyState
            icon={CalendarClock}
            title={t('calendarUi.agendaEmptyTitle')}
            body={t('calendarUi.agendaEmptyBody')}
            action={
              <Link to="/inbox" className={buttonClass('secondary')}>
                {t('calendarUi.openInbox')}
              </Link>
            }
          />
        }
      >
        {() => (
          <div className="space-y-5">
            {[...days].map(([day, list]) => (
              <div key={day}>
                <h3 className="mb-2 text-[13px] font-semibold text-muted first-letter:uppercase">{formatDay(day, i18n.language)}</h3>
                <Card>
                  <ul className="divide-y divide-border">
                    {list.map((a) => (
                      <AgendaRow key={a.id} appointment={a} />
                    ))}
                  </ul>
                </Card>
              </div>
            ))}
          </div>
        )}
      </ListStates>
      <LoadMore query={appointments} />
    </section>
  );
}

function AgendaRow({ appointment: a }: { appointment: Appointment }) {
  const format = useAppointmentFormat();
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-3" data-testid="agenda-item" data-status={a.status}>
      <p className="shrink-0 text-sm font-medium whitespace-nowrap tabular-nums sm:w-44">
        {format.range(a)}
        {format.zoneSuffix(a.timeZone) ? <span className="block text-xs font-normal text-muted">{format.zoneSuffix(a.timeZone).trim().replace(/^\(|\)$/g, '')}</span> : null}
      </p>
      <div className="min-w-0 flex-1">
        <Link to={`/contacts/${a.contactId}`} className="focus-ring block truncate text-sm font-medium text-link hover:underline">
          {a.contactName || a.contactId}
        </Link>
        <p className="truncate text-xs text-muted" title={a.title ? `${a.title} · ${a.calendarName}` : a.calendarName}>
          {a.title ? (
            <span className="font-medium text-fg" data-testid="agenda-title">
              {a.title} ·{' '}
            </span>
          ) : null}
          {a.calendarName}
        </p>
        <AppointmentNotes notes={a.notes} className="mt-0.5" />
      </div>
      <AppointmentStatusBadge appointment={a} />
    </li>
  );
}
