import { z } from 'zod';
import type { HttpServer } from '../../platform/http/server';
import type { createInboundService } from './inbound.service';

/**
 * Provider webhooks. Bodies are kept as raw bytes (signatures are over the exact bytes), requests
 * carry no cookies (no CSRF check), and the answer comes only after the event is stored. Their
 * requests are not logged at info level (two lines per webhook at thousands a second; the stored
 * events are the record): failures still are.
 */
/** The two answers a stored webhook gets, serialised once (the same bytes JSON.stringify makes). */
const STORED = JSON.stringify({ ok: true, duplicate: false });
const DUPLICATE = JSON.stringify({ ok: true, duplicate: true });

export function webhookRoutes(deps: { inbound: ReturnType<typeof createInboundService> }) {
  const { inbound } = deps;
  return async (app: HttpServer) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const raw = (body: unknown) => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

    app.get(
      '/webhooks/whatsapp/:channelId',
      {
        config: { csrf: false },
        schema: {
          hide: true,
          params: z.object({ channelId: z.uuid() }),
          querystring: z.object({ 'hub.mode': z.string().optional(), 'hub.verify_token': z.string().optional(), 'hub.challenge': z.string().max(200).optional() }).loose(),
        },
      },
      async (request, reply) => {
        const q = request.query;
        const challenge = await inbound.whatsappHandshake({ channelId: request.params.channelId, mode: q['hub.mode'], token: q['hub.verify_token'], challenge: q['hub.challenge'] });
        return reply.type('text/plain').send(challenge);
      },
    );

    app.post(
      '/webhooks/whatsapp/:channelId',
      { config: { csrf: false }, logLevel: 'warn', bodyLimit: 3 * 1024 * 1024, schema: { hide: true, params: z.object({ channelId: z.uuid() }) } },
      async (request, reply) => {
        const result = await inbound.receiveWhatsApp({ channelId: request.params.channelId, rawBody: raw(request.body), headers: request.headers });
        return reply.status(200).type('application/json; charset=utf-8').send(result.duplicate ? DUPLICATE : STORED);
      },
    );

    app.post(
      '/webhooks/bluebubbles/:channelId/:secret',
      { config: { csrf: false }, logLevel: 'warn', bodyLimit: 3 * 1024 * 1024, schema: { hide: true, params: z.object({ channelId: z.uuid(), secret: z.string().min(16).max(100) }) } },
      async (request, reply) => {
        const result = await inbound.receiveBlueBubbles({ channelId: request.params.channelId, secret: request.params.secret, rawBody: raw(request.body), headers: request.headers });
        return reply.status(200).send({ ok: true, duplicate: result.duplicate });
      },
    );
  };
}
