import type { AvailabilityWindow } from '@leadmaster/contracts';
import { Plus, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Button } from '../../ui/Button';
import { FormDialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { useToast } from '../../ui/Toast';
import { useCan, useSession } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import { useCalendarMutations, type Calendar } from './calendar.api';
import { browserZone, canonicalZone, formatWallTime, weekdayName, zoneLabel, zoneOptions } from './calendar.time';

/** Monday first, as a working week reads; Sunday (0) last. */
const WEEK = [1, 2, 3, 4, 5, 6, 0] as const;
const DEFAULT_HOURS = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from: '09:00', to: '17:00' }));
const LIMITS = { slotMinutes: [5, 480], holdMinutes: [1, 120] } as const;

type Window = AvailabilityWindow & { key: number };
/** `owner`: TEAM or a user's id. */
type Values = { name: string; owner: string; timeZone: string; slotMinutes: string; holdMinutes: string; availability: Window[] };
let nextKey = 1;
/** The owner select's value of a team calendar (a select item cannot have an empty value). */
const TEAM = 'team';
/** The times the hours editor offers: every quarter of an hour, and the day's last minute as an end. */
const STEP_MINUTES = 15;
const QUARTERS = Array.from({ length: (24 * 60) / STEP_MINUTES }, (_, i) => {
  const minutes = i * STEP_MINUTES;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
});
/** The offered times plus `current` when it is off the steps (saved by hand or by the API), sorted. */
const timeChoices = (current: string, end: boolean) => [...new Set([...QUARTERS, ...(end ? ['23:59'] : []), current])].sort();
const withKeys = (windows: AvailabilityWindow[]): Window[] => windows.map((w) => ({ ...w, key: nextKey++ }));

/** Creates a calendar (`calendar` = 'new') or edits one: name, zone, slot and hold lengths, weekly hours. */
export function CalendarDialog({ calendar, onClose }: { calendar: Calendar | 'new' | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const { create, update } = useCalendarMutations();
  const form = useFormErrors();
  const [values, setValues] = useState<Values>(() => valuesOf('new'));
  const creating = calendar === 'new';
  const me = useSession().user;
  // Who may own it: the team, or one user of the workspace (listed for those who may read the team;
  // the others can choose the team or themselves).
  const canListUsers = useCan()('users.read');
  const users = useAllUsers(canListUsers && calendar !== null);
  useEffect(() => {
    if (calendar === null) return;
    setValues(valuesOf(calendar));
    form.clear();
  }, [calendar]);
  const set = (patch: Partial<Values>) => setValues((v) => ({ ...v, ...patch }));
  const setWindow = (key: number, patch: Partial<AvailabilityWindow>) => set({ availability: values.availability.map((w) => (w.key === key ? { ...w, ...patch } : w)) });

  const submit = () => {
    const problems: Record<string, string> = {};
    if (!values.name.trim()) problems.name = t('validation.required');
    for (const field of ['slotMinutes', 'holdMinutes'] as const) {
      const n = Number(values[field]);
      const [min, max] = LIMITS[field];
      if (!Number.isInteger(n) || n < min || n > max) problems[field] = t('calendarUi.form.minutes', { min, max });
    }
    for (const w of values.availability) if (!(w.from < w.to)) problems[`window-${w.key}`] = t('calendarUi.form.windowOrder');
    if (Object.keys(problems).length) return form.setFields(problems);
    const body = {
      name: values.name.trim(),
      userId: values.owner === TEAM ? null : values.owner,
      timeZone: values.timeZone,
      slotMinutes: Number(values.slotMinutes),
      holdMinutes: Number(values.holdMinutes),
      availability: values.availability.map(({ weekday, from, to }) => ({ weekday, from, to })),
    };
    const done = {
      onSuccess: (saved: Calendar) => {
        toast.success(t(creating ? 'calendarUi.form.created' : 'calendarUi.form.saved', { name: saved.name }));
        onClose();
      },
      onError: (error: unknown) => form.setAll(toFormErrors(error, t)),
    };
    if (creating) create.mutate(body, done);
    else if (calendar) update.mutate({ id: calendar.id, ...body }, done);
  };

  const zones = zoneOptions(values.timeZone, browserZone());
  const people = (users.data ?? []).filter((u) => u.status === 'active' || u.id === values.owner).sort((a, b) => a.name.localeCompare(b.name, i18n.language));
  const ownerOptions = [
    { value: TEAM, label: t('calendarUi.form.ownerTeam') },
    ...(people.some((u) => u.id === me.id) ? [] : [{ value: me.id, label: t('calendarUi.form.ownerMe', { name: me.name }) }]),
    ...people.map((u) => ({ value: u.id, label: u.id === me.id ? t('calendarUi.form.ownerMe', { name: u.name }) : u.name })),
  ];
  if (!ownerOptions.some((o) => o.value === values.owner)) ownerOptions.push({ value: values.owner, label: t('calendarUi.form.ownerSomeone') });
  const timeSelect = (w: Window, which: 'from' | 'to', label: string, invalid: boolean) => (
    <Select
      className="min-w-0 flex-1 px-2 sm:w-32 sm:flex-none"
      aria-label={label}
      {...(invalid ? { 'aria-invalid': true as const } : {})}
      value={w[which]}
      onValueChange={(time) => setWindow(w.key, { [which]: time })}
      options={timeChoices(w[which], which === 'to').map((time) => ({ value: time, label: formatWallTime(time, i18n.language) }))}
    />
  );
  return (
    <FormDialog
      open={calendar !== null}
      onOpenChange={(open) => !open && onClose()}
      title={t(creating ? 'calendarUi.form.createTitle' : 'calendarUi.form.editTitle')}
      size="lg"
      onSubmit={submit}
      busy={create.isPending || update.isPending}
      submitLabel={t(creating ? 'calendarUi.form.create' : 'calendarUi.form.save')}
      busyLabel={t(creating ? 'calendarUi.form.creating' : 'calendarUi.form.saving')}
      error={form.errors.message}
    >
      <div className="space-y-4">
        <Field label={t('calendarUi.form.name')} error={form.field('name')}>
          {(control) => <Input {...control} value={values.name} placeholder={t('calendarUi.form.namePlaceholder')} maxLength={120} onChange={(e) => set({ name: e.target.value })} autoFocus />}
        </Field>
        <Field label={t('calendarUi.form.owner')} hint={t('calendarUi.form.ownerHint')} error={form.field('userId')}>
          {(control) => <Select {...control} value={values.owner} onValueChange={(owner) => set({ owner })} options={ownerOptions} />}
        </Field>
        <Field label={t('calendarUi.form.timeZone')} hint={t('calendarUi.form.timeZoneHint')} error={form.field('timeZone')}>
          {(control) => (
            <Select {...control} value={values.timeZone} onValueChange={(timeZone) => set({ timeZone })} options={zones.map((z) => ({ value: z, label: zoneLabel(z, i18n.language), textValue: zoneLabel(z, i18n.language) }))} />
          )}
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('calendarUi.form.slotMinutes')} error={form.field('slotMinutes')}>
            {(control) => <Input {...control} type="number" inputMode="numeric" min={5} max={480} value={values.slotMinutes} onChange={(e) => set({ slotMinutes: e.target.value })} />}
          </Field>
          <Field label={t('calendarUi.form.holdMinutes')} hint={t('calendarUi.form.holdHint')} error={form.field('holdMinutes')}>
            {(control) => <Input {...control} type="number" inputMode="numeric" min={1} max={120} value={values.holdMinutes} onChange={(e) => set({ holdMinutes: e.target.value })} />}
          </Field>
        </div>
        <fieldset className="min-w-0">
          <legend className="text-[13px] font-medium">{t('calendarUi.form.availability')}</legend>
          <p className="mb-2 text-[13px] text-muted">{t('calendarUi.form.availabilityHint')}</p>
          {form.field('availability') ? <p className="mb-2 text-[13px] text-danger">{form.field('availability')}</p> : null}
          <div className="divide-y divide-border rounded-md border border-border">
            {WEEK.map((weekday) => {
              const day = weekdayName(weekday, i18n.language);
              const windows = values.availability.filter((w) => w.weekday === weekday);
              return (
                <div key={weekday} className="flex flex-col gap-2 px-3 py-2 sm:flex-row sm:items-start" data-testid="weekday" data-weekday={weekday}>
                  <p className="w-28 shrink-0 pt-1.5 text-sm font-medium first-letter:uppercase">{day}</p>
                  <div className="min-w-0 flex-1 space-y-2">
                    {windows.length === 0 ? <p className="pt-1.5 text-sm text-subtle">{t('calendarUi.form.closedDay')}</p> : null}
                    {windows.map((w, i) => {
                      const error = form.field(`window-${w.key}`);
                      const names = { day, n: i + 1 };
                      return (
                        <div key={w.key}>
                          <div className="flex items-center gap-2">
                            {timeSelect(w, 'from', t('calendarUi.form.fromOn', names), Boolean(error))}
                            <span aria-hidden className="text-subtle">–</span>
                            {timeSelect(w, 'to', t('calendarUi.form.toOn', names), Boolean(error))}
                            <Button variant="ghost" size="icon" className="size-8" aria-label={t('calendarUi.form.removeWindow', names)} onClick={() => set({ availability: values.availability.filter((x) => x.key !== w.key) })}>
                              <X className="size-4" aria-hidden />
                            </Button>
                          </div>
                          {error ? <p className="mt-1 text-[13px] text-danger">{error}</p> : null}
                        </div>
                      );
                    })}
                  </div>
                  <Button
                    variant="ghost"
                    size="sm"
                    className="self-start"
                    icon={<Plus className="size-3.5" aria-hidden />}
                    aria-label={t('calendarUi.form.addWindowOn', { day })}
                    onClick={() => {
                      // A second window starts where the last one ended.
                      const last = windows[windows.length - 1];
                      const from = last ? last.to : '09:00';
                      const to = last ? (last.to < '22:00' ? addHours(last.to, 2) : '23:59') : '17:00';
                      set({ availability: [...values.availability, ...withKeys([{ weekday, from, to }])] });
                    }}
                  >
                    {t('calendarUi.form.addWindow')}
                  </Button>
                </div>
              );
            })}
          </div>
        </fieldset>
      </div>
    </FormDialog>
  );
}

const addHours = (time: string, hours: number) => {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return `${String(Math.min(23, h + hours)).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
};

function valuesOf(calendar: Calendar | 'new'): Values {
  if (calendar === 'new') return { name: '', owner: TEAM, timeZone: browserZone(), slotMinutes: '30', holdMinutes: '10', availability: withKeys(DEFAULT_HOURS) };
  return { name: calendar.name, owner: calendar.userId ?? TEAM, timeZone: canonicalZone(calendar.timeZone), slotMinutes: String(calendar.slotMinutes), holdMinutes: String(calendar.holdMinutes), availability: withKeys(calendar.availability) };
}
