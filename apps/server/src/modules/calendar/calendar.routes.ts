import { z } from 'zod';
import {
  Appointment,
  AppointmentPage,
  AppointmentsQuery,
  Calendar,
  CalendarPage,
  CreateCalendarBody,
  HoldBody,
  ListQuery,
  Slots,
  SlotsQuery,
  UpdateCalendarBody,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import { requestMeta } from '../../platform/http/request-meta';
import type { CalendarService } from './calendar.service';

const IdParams = z.object({ id: z.uuid() });
const isPair = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');
const isNameKeyset = (v: unknown): v is [string, string] => isPair(v) && z.uuid().safeParse(v[1]).success;
const isTimeKeyset = (v: unknown): v is [string, string] => isNameKeyset(v) && !Number.isNaN(Date.parse(v[0]));
const tags = ['calendar'];

export function calendarRoutes(deps: { calendar: CalendarService }) {
  const { calendar } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/calendars',
      { config: { auth: { permission: 'calendar.read' } }, schema: { tags, querystring: ListQuery, response: { 200: CalendarPage } } },
      async (request) => {
        const after = decodeCursor(request.query.cursor, isNameKeyset);
        const result = await calendar.listCalendars({ principal: principalOf(request), limit: request.query.limit, ...(after ? { after } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
    app.post(
      '/api/v1/calendars',
      { config: { auth: { permission: 'calendar.manage' }, idempotent: true }, schema: { tags, body: CreateCalendarBody, response: { 201: Calendar } } },
      async (request, reply) => reply.status(201).send(await calendar.createCalendar({ principal: principalOf(request), body: request.body, meta: requestMeta(request) })),
    );
    app.get(
      '/api/v1/calendars/:id',
      { config: { auth: { permission: 'calendar.read' } }, schema: { tags, params: IdParams, response: { 200: Calendar } } },
      async (request) => calendar.getCalendar({ principal: principalOf(request), calendarId: request.params.id }),
    );
    app.patch(
      '/api/v1/calendars/:id',
      { config: { auth: { permission: 'calendar.manage' } }, schema: { tags, params: IdParams, body: UpdateCalendarBody, response: { 200: Calendar } } },
      async (request) => calendar.updateCalendar({ principal: principalOf(request), calendarId: request.params.id, changes: request.body, meta: requestMeta(request) }),
    );
    app.get(
      '/api/v1/calendars/:id/slots',
      { config: { auth: { permission: 'calendar.read' } }, schema: { tags, params: IdParams, querystring: SlotsQuery, response: { 200: Slots } } },
      async (request) => calendar.freeSlots({ principal: principalOf(request), calendarId: request.params.id, ...request.query }),
    );
    app.post(
      '/api/v1/calendars/:id/holds',
      { config: { auth: { permission: 'calendar.manage' }, idempotent: true }, schema: { tags, params: IdParams, body: HoldBody, response: { 201: Appointment } } },
      async (request, reply) => reply.status(201).send(await calendar.hold({ principal: principalOf(request), calendarId: request.params.id, body: request.body })),
    );
    app.post(
      '/api/v1/appointments/:id/confirm',
      { config: { auth: { permission: 'calendar.manage' } }, schema: { tags, params: IdParams, response: { 200: Appointment } } },
      async (request) => calendar.confirm({ principal: principalOf(request), appointmentId: request.params.id, meta: requestMeta(request) }),
    );
    app.post(
      '/api/v1/appointments/:id/cancel',
      { config: { auth: { permission: 'calendar.manage' } }, schema: { tags, params: IdParams, response: { 200: Appointment } } },
      async (request) => calendar.cancel({ principal: principalOf(request), appointmentId: request.params.id, meta: requestMeta(request) }),
    );
    app.get(
      '/api/v1/appointments',
      { config: { auth: { permission: 'calendar.read' } }, schema: { tags, querystring: AppointmentsQuery, response: { 200: AppointmentPage } } },
      async (request) => {
        const { cursor, ...query } = request.query;
        const after = decodeCursor(cursor, isTimeKeyset);
        const result = await calendar.listAppointments({ principal: principalOf(request), ...query, ...(after ? { after } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
  };
}
