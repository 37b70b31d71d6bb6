import { z } from 'zod';
import { Ok, page, TaskStarted } from '@leadmaster/contracts';
import type { HttpServer } from '../../../platform/http/server';
import { principalOf } from '../../../platform/http/auth';
import type { createGoogleService } from './google.service';

const Connection = z.object({
  id: z.string(),
  email: z.string(),
  status: z.string(),
  lastSyncedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  imported: z.number(),
  createdAt: z.string(),
});
const IdParams = z.object({ id: z.uuid() });

export function googleRoutes(deps: { google: ReturnType<typeof createGoogleService> }) {
  const { google } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/google/connections',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['google'], response: { 200: page(Connection).extend({ configured: z.boolean() }) } } },
      async (request) => ({ items: await google.list(principalOf(request)), nextCursor: null, configured: google.configured() }),
    );

    app.post(
      '/api/v1/google/connect',
      { config: { auth: { permission: 'contacts.import', sessionOnly: true } }, schema: { tags: ['google'], response: { 200: z.object({ url: z.string() }) } } },
      async (request) => ({ url: google.connectUrl({ principal: principalOf(request), origin: `${request.protocol}://${request.host}` }) }),
    );

    // Google sends the browser back here with ?code&state (or ?error when the user declined).
    app.get(
      '/api/v1/google/callback',
      {
        config: { auth: { permission: 'contacts.import', sessionOnly: true } },
        schema: { hide: true, querystring: z.object({ code: z.string().max(2000).optional(), state: z.string().max(2000).optional(), error: z.string().max(200).optional() }) },
      },
      async (request, reply) => {
        const { code, state, error } = request.query;
        if (error || !code || !state) return reply.redirect(`/contacts/import?google=error&reason=${encodeURIComponent(error ?? 'missing_code')}`);
        try {
          await google.completeConnection({ principal: principalOf(request), code, state, origin: `${request.protocol}://${request.host}` });
          return reply.redirect('/contacts/import?google=connected');
        } catch (err) {
          request.log.warn({ err }, 'google connection failed');
          return reply.redirect(`/contacts/import?google=error&reason=${encodeURIComponent((err as Error).message.slice(0, 200))}`);
        }
      },
    );

    app.post(
      '/api/v1/google/connections/:id/sync',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['google'], params: IdParams, response: { 202: TaskStarted } } },
      async (request, reply) => {
        const { taskId } = await google.syncNow({ principal: principalOf(request), connectionId: request.params.id });
        return reply.status(202).send({ taskId });
      },
    );

    app.delete(
      '/api/v1/google/connections/:id',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['google'], params: IdParams, response: { 200: Ok } } },
      async (request) => {
        await google.disconnect({ principal: principalOf(request), connectionId: request.params.id });
        return { ok: true as const };
      },
    );
  };
}
