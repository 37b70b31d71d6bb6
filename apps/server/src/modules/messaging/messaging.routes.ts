import { z } from 'zod';
import {
  Conversation,
  Message,
  MessageListQuery,
  OptOutKeywords,
  page,
  SendMessageBody,
  StartConversationBody,
  UpdateConversationBody,
  UpdateOptOutKeywordsBody,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import { sendStoredFile } from '../../platform/http/file-response';
import type { ConversationsService } from './conversations.service';

const IdParams = z.object({ id: z.uuid() });
const isKeyset = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string') && !Number.isNaN(Date.parse(v[0] as string)) && z.uuid().safeParse(v[1]).success;

export function messagingRoutes(deps: { conversations: ConversationsService }) {
  const { conversations } = deps;
  return async (app: HttpServer) => {
    app.post(
      '/api/v1/conversations',
      { config: { auth: { permission: 'inbox.reply' }, idempotent: true }, schema: { tags: ['inbox'], body: StartConversationBody, response: { 201: Conversation } } },
      async (request, reply) => reply.status(201).send(await conversations.start({ principal: principalOf(request), ...request.body })),
    );
    app.get(
      '/api/v1/conversations/:id',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], params: IdParams, response: { 200: Conversation } } },
      async (request) => conversations.load(principalOf(request).tenantId, request.params.id, principalOf(request).userId),
    );
    app.patch(
      '/api/v1/conversations/:id',
      { config: { auth: { permission: 'inbox.reply' } }, schema: { tags: ['inbox'], params: IdParams, body: UpdateConversationBody, response: { 200: Conversation } } },
      async (request) => conversations.update({ principal: principalOf(request), conversationId: request.params.id, changes: request.body }),
    );
    app.get(
      '/api/v1/conversations/:id/messages',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], params: IdParams, querystring: MessageListQuery, response: { 200: page(Message) } } },
      async (request) => {
        const before = decodeCursor(request.query.cursor, isKeyset);
        const result = await conversations.listMessages({ principal: principalOf(request), conversationId: request.params.id, limit: request.query.limit, ...(before ? { before } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
    app.post(
      '/api/v1/conversations/:id/messages',
      { config: { auth: { permission: 'inbox.reply' }, idempotent: true }, schema: { tags: ['inbox'], params: IdParams, body: SendMessageBody, response: { 202: Message } } },
      async (request, reply) =>
        reply.status(202).send(await conversations.reply({ principal: principalOf(request), conversationId: request.params.id, body: request.body })),
    );
    app.get(
      '/api/v1/messages/:id/media/:blobId',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], params: z.object({ id: z.uuid(), blobId: z.uuid() }) } },
      async (request, reply) => {
        // What a contact sent may be HTML or SVG: only media types are shown in place (file-response.ts).
        const media = await conversations.media({ principal: principalOf(request), messageId: request.params.id, blobId: request.params.blobId });
        return sendStoredFile(reply, media);
      },
    );
    app.get(
      '/api/v1/messaging/opt-out-keywords',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], response: { 200: OptOutKeywords } } },
      async (request) => conversations.getOptOutKeywords(principalOf(request)),
    );
    app.put(
      '/api/v1/messaging/opt-out-keywords',
      { config: { auth: { permission: 'settings.manage' } }, schema: { tags: ['inbox'], body: UpdateOptOutKeywordsBody, response: { 200: OptOutKeywords } } },
      async (request) => conversations.setOptOutKeywords({ principal: principalOf(request), keywords: request.body.keywords }),
    );
  };
}
