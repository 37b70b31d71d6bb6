import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { createCalendarService, type ConversationContact } from './calendar.service';
import { calendarRoutes } from './calendar.routes';

export type { CalendarService, ConversationContact } from './calendar.service';

/** Calendars and appointments (SPEC §1.7): free slots, holds, confirmation; conflicts refused by the database. */
export function calendarModule(deps: ModuleDeps & { conversationContact: ConversationContact }) {
  const calendar = createCalendarService(deps);
  deps.jobs.define(calendar.releaseJob);
  return {
    calendar,
    routes: async (app: HttpServer) => {
      await app.register(calendarRoutes({ calendar }));
    },
  };
}
