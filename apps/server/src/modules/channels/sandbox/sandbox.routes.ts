import { z } from 'zod';
import { SandboxInboundBody } from '@leadmaster/contracts';
import type { HttpServer } from '../../../platform/http/server';
import { principalOf } from '../../../platform/http/auth';
import type { Sandbox } from './sandbox.service';

export function sandboxRoutes(deps: { sandbox: Sandbox }) {
  return async (app: HttpServer) => {
    app.post(
      '/api/v1/channels/:id/sandbox/inbound',
      {
        config: { auth: { permission: 'channels.manage' } },
        schema: { tags: ['channels'], params: z.object({ id: z.uuid() }), body: SandboxInboundBody, response: { 202: z.object({ providerMessageId: z.string() }) } },
      },
      async (request, reply) =>
        reply.status(202).send(await deps.sandbox.simulateInbound({ principal: principalOf(request), channelId: request.params.id, from: request.body.from, text: request.body.text })),
    );
  };
}
