import { CalendarPlus } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { LoadMore } from '../../ui/ListStates';
import { Spinner } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { AppointmentNotes, AppointmentStatusBadge, useAppointmentFormat, useNow } from './AppointmentBits';
import { BookingDialog } from './BookingDialog';
import { isUpcoming, useAppointmentMutations, useAppointments, useAppointmentsRealtime, type Appointment } from './calendar.api';

/**
 * The contact's upcoming appointments, for the inbox's contact panel: when (in the calendar's zone),
 * which calendar, held or confirmed; confirm, cancel and book for those who manage the calendar.
 * Kept live by the appointment events.
 */
export function ContactAppointments({ contactId, contactName, conversationId }: { contactId: string; contactName: string; conversationId?: string | undefined }) {
  const { t } = useTranslation();
  const can = useCan();
  const canManage = can('calendar.manage');
  const appointments = useAppointments({ contactId }, { limit: 10 });
  useAppointmentsRealtime();
  const now = useNow();
  const [booking, setBooking] = useState(false);
  const items = (appointments.data?.pages.flatMap((p) => p.items) ?? []).filter((a) => isUpcoming(a, now));
  return (
    <section aria-labelledby="panel-appointments" data-testid="contact-appointments">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 id="panel-appointments" className="text-xs font-semibold tracking-wide text-subtle uppercase">
          {t('calendarUi.panel.title')}
        </h3>
        {canManage ? (
          <Button variant="secondary" size="sm" icon={<CalendarPlus className="size-3.5" aria-hidden />} onClick={() => setBooking(true)}>
            {t('calendarUi.panel.book')}
          </Button>
        ) : null}
      </div>
      {appointments.isPending ? <Spinner label={t('calendarUi.loading')} /> : null}
      {appointments.isError ? <ErrorAlert error={appointments.error} onRetry={() => void appointments.refetch()} /> : null}
      {appointments.data && items.length === 0 ? <p className="text-muted">{t('calendarUi.panel.empty')}</p> : null}
      {items.length ? (
        <ul className="space-y-2">
          {items.map((a) => (
            <AppointmentItem key={a.id} appointment={a} canManage={canManage} />
          ))}
        </ul>
      ) : null}
      <LoadMore query={appointments} size="sm" className="mt-2" />
      {canManage ? <BookingDialog open={booking} onOpenChange={setBooking} contactId={contactId} contactName={contactName} conversationId={conversationId} /> : null}
    </section>
  );
}

function AppointmentItem({ appointment: a, canManage }: { appointment: Appointment; canManage: boolean }) {
  const { t } = useTranslation();
  const toast = useToast();
  const format = useAppointmentFormat();
  const { confirm, cancel } = useAppointmentMutations();
  const [cancelling, setCancelling] = useState(false);
  const when = format.when(a);
  return (
    <li className="rounded-md border border-border bg-surface-2/50 p-2.5" data-testid="appointment" data-status={a.status} data-id={a.id}>
      <p className="font-medium first-letter:uppercase">{when}</p>
      {a.title ? (
        <p className="truncate" title={a.title} data-testid="appointment-title">
          {a.title}
        </p>
      ) : null}
      <p className="truncate text-xs text-muted">{a.calendarName}</p>
      <AppointmentNotes notes={a.notes} className="mt-1" />
      <div className="mt-1.5 flex flex-wrap items-center gap-1.5">
        <AppointmentStatusBadge appointment={a} />
      </div>
      {canManage ? (
        <div className="mt-2 flex flex-wrap gap-1.5">
          {a.status === 'held' ? (
            <Button
              size="sm"
              aria-label={t('calendarUi.panel.confirmOne', { when })}
              loading={confirm.isPending}
              onClick={() =>
                confirm.mutate(a.id, {
                  onSuccess: () => toast.success(t('calendarUi.panel.confirmed')),
                  onError: (error) => toast.error(errorText(error, t)),
                })
              }
            >
              {t('calendarUi.panel.confirm')}
            </Button>
          ) : null}
          <Button size="sm" variant="secondary" aria-label={t('calendarUi.panel.cancelOne', { when })} onClick={() => setCancelling(true)}>
            {t('calendarUi.panel.cancel')}
          </Button>
        </div>
      ) : null}
      <ConfirmDialog
        open={cancelling}
        onOpenChange={setCancelling}
        title={t('calendarUi.panel.cancelTitle')}
        description={t('calendarUi.panel.cancelBody', { when, calendar: a.calendarName })}
        confirmLabel={t('calendarUi.panel.cancelConfirm')}
        onConfirm={async () => {
          try {
            await cancel.mutateAsync(a.id);
            toast.success(t('calendarUi.panel.cancelled'));
          } catch (error) {
            toast.error(errorText(error, t));
            throw error;
          }
        }}
      />
    </li>
  );
}
