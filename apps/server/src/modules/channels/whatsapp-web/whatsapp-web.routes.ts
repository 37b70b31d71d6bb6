import { z } from 'zod';
import { WhatsAppWebSession } from '@leadmaster/contracts';
import type { HttpServer } from '../../../platform/http/server';
import { principalOf } from '../../../platform/http/auth';
import type { WhatsAppWebService } from './whatsapp-web.service';

const IdParams = z.object({ id: z.uuid() });

/** The session contract (SPEC §2): status, QR image, restart, logout. */
export function whatsappWebRoutes(deps: { whatsappWeb: WhatsAppWebService }) {
  const { whatsappWeb } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/channels/:id/session',
      { config: { auth: { permission: 'channels.read' } }, schema: { tags: ['channels'], params: IdParams, response: { 200: WhatsAppWebSession } } },
      async (request) => whatsappWeb.status({ tenantId: principalOf(request).tenantId, channelId: request.params.id }),
    );
    app.get(
      '/api/v1/channels/:id/session/qr',
      { config: { auth: { permission: 'channels.read' } }, schema: { tags: ['channels'], params: IdParams, produces: ['image/png'] } },
      async (request, reply) => {
        const png = await whatsappWeb.qrPng({ tenantId: principalOf(request).tenantId, channelId: request.params.id });
        return reply.type('image/png').header('cache-control', 'no-store').send(png);
      },
    );
    app.post(
      '/api/v1/channels/:id/session/restart',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], params: IdParams, response: { 202: WhatsAppWebSession } } },
      async (request, reply) => reply.status(202).send(await whatsappWeb.restart({ principal: principalOf(request), channelId: request.params.id })),
    );
    app.post(
      '/api/v1/channels/:id/session/logout',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], params: IdParams, response: { 202: WhatsAppWebSession } } },
      async (request, reply) => reply.status(202).send(await whatsappWeb.logout({ principal: principalOf(request), channelId: request.params.id })),
    );
  };
}
