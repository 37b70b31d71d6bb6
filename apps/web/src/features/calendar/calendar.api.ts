import type { Appointment, Calendar, CreateCalendarBody, HoldBody, Slots, UpdateCalendarBody } from '@leadmaster/contracts';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, isApiError, query, type Page } from '../../lib/api';
import { realtime } from '../../lib/realtime';

export type { Appointment, Calendar, Slots };
export type AppointmentFilters = { contactId?: string; calendarId?: string };

export const CALENDAR_KEY = ['calendar'] as const;
const CALENDARS_KEY = ['calendar', 'calendars'] as const;
const APPOINTMENTS_KEY = ['calendar', 'appointments'] as const;
const slotsKey = (calendarId: string, from: string, days: number) => ['calendar', 'slots', calendarId, from, days] as const;
/** Every cached range of free slots of one calendar. */
const calendarSlotsKey = (calendarId: string) => ['calendar', 'slots', calendarId] as const;
const appointmentsKey = (filters: AppointmentFilters) => [...APPOINTMENTS_KEY, filters] as const;

export const useCalendars = (enabled = true) =>
  useQuery({ queryKey: CALENDARS_KEY, queryFn: ({ signal }) => api.get<Page<Calendar>>(`/api/v1/calendars${query({ limit: 100 })}`, signal), enabled, staleTime: 60_000 });

/** Free slots from `from` (a day in the calendar's zone) for `days` days. Fresh every time: others book too. */
export const useSlots = (calendarId: string, from: string, days: number) =>
  useQuery({
    queryKey: slotsKey(calendarId, from, days),
    queryFn: ({ signal }) => api.get<Slots>(`/api/v1/calendars/${calendarId}/slots${query({ from, days })}`, signal),
    enabled: Boolean(calendarId && from),
    staleTime: 0,
  });

/** Upcoming live appointments (held or confirmed), by start; filtered by contact and/or calendar. */
export function useAppointments(filters: AppointmentFilters, options: { limit?: number; enabled?: boolean } = {}) {
  return useInfiniteQuery({
    queryKey: appointmentsKey(filters),
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<Appointment>>(`/api/v1/appointments${query({ limit: options.limit ?? 50, cursor: pageParam, contactId: filters.contactId, calendarId: filters.calendarId, status: 'live' })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: options.enabled ?? true,
  });
}

/** Held and not lapsed, or confirmed; and not over. What the lists show (a hold lapses without an event). */
export const isUpcoming = (a: Appointment, now = Date.now()) =>
  Date.parse(a.endsAt) > now && (a.status === 'confirmed' || (a.status === 'held' && (!a.holdExpiresAt || Date.parse(a.holdExpiresAt) > now)));

const byStart = (a: Appointment, b: Appointment) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id);

/**
 * Appointments this browser has seen cancelled (or lapsed): final, so a copy arriving later (an event
 * delayed behind the cancel's answer) must not bring one back.
 */
const ended = new Set<string>();
/** How far an appointment has moved on: a copy that has moved further is newer, whatever arrived last. */
const STAGE: Record<Appointment['status'], number> = { held: 0, confirmed: 1, cancelled: 2 };

function cachedCopy(client: QueryClient, id: string): Appointment | undefined {
  for (const [, data] of client.getQueriesData<InfiniteData<Page<Appointment>>>({ queryKey: APPOINTMENTS_KEY })) {
    for (const page of data?.pages ?? []) for (const a of page.items) if (a.id === id) return a;
  }
  return undefined;
}

function removeAppointment(client: QueryClient, id: string) {
  client.setQueriesData<InfiniteData<Page<Appointment>>>({ queryKey: APPOINTMENTS_KEY }, (data) =>
    data ? { ...data, pages: data.pages.map((p) => (p.items.some((a) => a.id === id) ? { ...p, items: p.items.filter((a) => a.id !== id) } : p)) } : data,
  );
}

/**
 * Puts an appointment (from an event or a mutation's answer) into every cached list it belongs to, by
 * its start, replacing an older copy; a cancelled one leaves them. A copy that arrives late (an event
 * delayed behind the answer to the next step) never undoes a confirmation or a cancellation. An appointment that starts after the
 * last one loaded of a list with more pages is left for that list's next page.
 */
export function storeAppointment(client: QueryClient, appointment: Appointment) {
  if (ended.has(appointment.id)) return;
  const cached = cachedCopy(client, appointment.id);
  if (cached && STAGE[cached.status] > STAGE[appointment.status]) return;
  removeAppointment(client, appointment.id);
  if (appointment.status === 'cancelled') ended.add(appointment.id);
  if (!isUpcoming(appointment)) return;
  for (const query of client.getQueryCache().findAll({ queryKey: APPOINTMENTS_KEY })) {
    const filters = (query.queryKey[2] ?? {}) as AppointmentFilters;
    if (filters.contactId && filters.contactId !== appointment.contactId) continue;
    if (filters.calendarId && filters.calendarId !== appointment.calendarId) continue;
    client.setQueryData<InfiniteData<Page<Appointment>>>(query.queryKey, (data) => {
      if (!data) return data;
      const pages = data.pages.map((p) => ({ ...p, items: [...p.items] }));
      const index = pages.findIndex((p) => !p.nextCursor || (p.items.length > 0 && byStart(appointment, p.items[p.items.length - 1]!) <= 0));
      if (index < 0) return data;
      const page = pages[index]!;
      page.items = [...page.items, appointment].sort(byStart);
      return { ...data, pages };
    });
  }
}

/**
 * Feeds the appointment events into the cached lists while a screen that shows appointments is open
 * (`appointment.created` comes on the hold and again on the confirmation: an upsert by id), and
 * refetches them after a reconnect so nothing missed while away is lost. Stores are idempotent, so
 * two screens subscribing at once do no harm.
 */
export function useAppointmentsRealtime() {
  const client = useQueryClient();
  useEffect(() => {
    let connectedOnce = false;
    const offs = [
      realtime.subscribe('appointment.created', (data) => {
        const appointment = data as Appointment;
        if (!appointment?.id) return;
        storeAppointment(client, appointment);
        // Someone (maybe on another screen) took a time: an open booking dialog must stop offering it.
        if (typeof appointment.calendarId === 'string') void client.invalidateQueries({ queryKey: calendarSlotsKey(appointment.calendarId) });
      }),
      realtime.subscribe('appointment.deleted', (data) => {
        const event = data as { id?: string; calendarId?: string };
        if (typeof event?.id === 'string') {
          ended.add(event.id);
          removeAppointment(client, event.id);
        }
        // The time is free again for whoever is picking one.
        void client.invalidateQueries({ queryKey: typeof event?.calendarId === 'string' ? calendarSlotsKey(event.calendarId) : ['calendar', 'slots'] });
      }),
      realtime.subscribe('ready', () => {
        if (connectedOnce) void client.invalidateQueries({ queryKey: CALENDAR_KEY });
        connectedOnce = true;
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);
}

export function useCalendarMutations() {
  const client = useQueryClient();
  const refreshCalendars = () => client.invalidateQueries({ queryKey: CALENDARS_KEY });
  return {
    create: useMutation({ mutationFn: (body: CreateCalendarBody) => api.post<Calendar>('/api/v1/calendars', body), onSuccess: refreshCalendars }),
    update: useMutation({
      mutationFn: ({ id, ...body }: UpdateCalendarBody & { id: string }) => api.patch<Calendar>(`/api/v1/calendars/${id}`, body),
      onSuccess: () => {
        void refreshCalendars();
        // A new availability or slot length changes the free slots.
        void client.invalidateQueries({ queryKey: ['calendar', 'slots'] });
      },
    }),
  };
}

/** A slot is lost (someone else took it) or a hold lapsed: the free slots must be asked again. */
export const isSlotGone = (error: unknown) => isCalendarError(error, 'slot_taken') || isCalendarError(error, 'hold_expired');

/** The server says these as the error's code (or, from a generic conflict, as its reason). */
export const isCalendarError = (error: unknown, code: 'slot_taken' | 'hold_expired') =>
  isApiError(error) && (error.code === code || (error.details as { reason?: unknown } | undefined)?.reason === code);

export function useAppointmentMutations() {
  const client = useQueryClient();
  const stored = (a: Appointment | undefined, id?: unknown) => {
    if (a?.id) storeAppointment(client, a);
    else if (typeof id === 'string') removeAppointment(client, id);
    void client.invalidateQueries({ queryKey: ['calendar', 'slots'] });
  };
  const onError = (error: unknown) => {
    if (isSlotGone(error)) void client.invalidateQueries({ queryKey: ['calendar', 'slots'] });
  };
  return {
    hold: useMutation({ mutationFn: ({ calendarId, ...body }: HoldBody & { calendarId: string }) => api.post<Appointment>(`/api/v1/calendars/${calendarId}/holds`, body), onSuccess: stored, onError }),
    confirm: useMutation({ mutationFn: (id: string) => api.post<Appointment>(`/api/v1/appointments/${id}/confirm`, {}), onSuccess: stored, onError }),
    cancel: useMutation({ mutationFn: (id: string) => api.post<Appointment>(`/api/v1/appointments/${id}/cancel`, {}), onSuccess: stored }),
  };
}
