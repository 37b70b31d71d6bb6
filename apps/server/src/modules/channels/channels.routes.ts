import { z } from 'zod';
import { Channel, ChannelTemplateList, ChannelTestResult, CreateChannelBody, InboundEvent, Ok, page, UpdateChannelBody } from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import type { ChannelsService } from './channels.service';

const IdParams = z.object({ id: z.uuid() });

export function channelsRoutes(deps: { channels: ChannelsService }) {
  const { channels } = deps;
  return async (app: HttpServer) => {
    const origin = (request: { protocol: string; host: string }) => `${request.protocol}://${request.host}`;

    app.get(
      '/api/v1/channels',
      { config: { auth: { permission: 'channels.read' } }, schema: { tags: ['channels'], response: { 200: page(Channel) } } },
      async (request) => ({ items: await channels.list({ principal: principalOf(request), origin: origin(request) }), nextCursor: null }),
    );
    app.post(
      '/api/v1/channels',
      { config: { auth: { permission: 'channels.manage' }, idempotent: true }, schema: { tags: ['channels'], body: CreateChannelBody, response: { 201: Channel } } },
      async (request, reply) => reply.status(201).send(await channels.create({ principal: principalOf(request), body: request.body, origin: origin(request) })),
    );
    app.get(
      '/api/v1/channels/:id',
      { config: { auth: { permission: 'channels.read' } }, schema: { tags: ['channels'], params: IdParams, response: { 200: Channel } } },
      async (request) => channels.get({ principal: principalOf(request), channelId: request.params.id, origin: origin(request) }),
    );
    app.patch(
      '/api/v1/channels/:id',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], params: IdParams, body: UpdateChannelBody, response: { 200: Channel } } },
      async (request) => channels.update({ principal: principalOf(request), channelId: request.params.id, changes: request.body, origin: origin(request) }),
    );
    app.delete(
      '/api/v1/channels/:id',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], params: IdParams, response: { 200: Ok } } },
      async (request) => {
        await channels.remove({ principal: principalOf(request), channelId: request.params.id });
        return { ok: true as const };
      },
    );
    app.post(
      '/api/v1/channels/:id/test',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], params: IdParams, response: { 200: ChannelTestResult } } },
      async (request) => channels.testConnection({ principal: principalOf(request), channelId: request.params.id }),
    );
    app.get(
      '/api/v1/channels/:id/templates',
      { config: { auth: { permission: 'channels.read' } }, schema: { tags: ['channels'], params: IdParams, response: { 200: ChannelTemplateList } } },
      async (request) => channels.templates({ principal: principalOf(request), channelId: request.params.id }),
    );
    app.post(
      '/api/v1/channels/:id/templates/sync',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], params: IdParams, response: { 200: ChannelTemplateList } } },
      async (request) => channels.syncTemplates({ principal: principalOf(request), channelId: request.params.id }),
    );
    app.get(
      '/api/v1/channels/inbound-problems',
      { config: { auth: { permission: 'channels.manage' } }, schema: { tags: ['channels'], querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }), response: { 200: page(InboundEvent) } } },
      async (request) => ({
        items: (await channels.problems({ principal: principalOf(request), limit: request.query.limit })).map((e) => ({
          id: e.id,
          channelId: e.channelId,
          status: e.status,
          attempts: e.attempts,
          error: e.error,
          receivedAt: e.receivedAt.toISOString(),
          preview: e.body.subarray(0, 10_240).toString('utf8'),
        })),
        nextCursor: null,
      }),
    );
  };
}
