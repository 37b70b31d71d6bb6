import { z } from 'zod';
import {
  ComposerRules,
  Conversation,
  ConversationListQuery,
  CreateInboxLabelBody,
  CreateQuickReplyBody,
  InboxLabel,
  InboxLabelList,
  MarkReadBody,
  Message,
  NoteBody,
  OptOutBody,
  page,
  QuickReply,
  QuickReplyList,
  SetConversationLabelsBody,
  SuggestedLabels,
  UnreadTotal,
  UpdateInboxLabelBody,
  UpdateQuickReplyBody,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import type { InboxService, ListCursor } from './inbox.service';
import type { LabelsService } from './labels.service';

const IdParams = z.object({ id: z.uuid() });
export const isListCursor = (v: unknown): v is ListCursor =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'boolean' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[1])) && z.uuid().safeParse(v[2]).success;

export function inboxRoutes(deps: { inbox: InboxService; labels: LabelsService }) {
  const { inbox, labels } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/conversations',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], querystring: ConversationListQuery, response: { 200: page(Conversation) } } },
      async (request) => {
        const after = decodeCursor(request.query.cursor, isListCursor);
        const result = await inbox.list({ principal: principalOf(request), query: request.query, ...(after ? { after } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
    app.get(
      '/api/v1/inbox/unread',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], response: { 200: UnreadTotal } } },
      async (request) => inbox.getUnreadTotal(principalOf(request)),
    );
    app.post(
      '/api/v1/conversations/:id/read',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], params: IdParams, body: MarkReadBody, response: { 200: Conversation } } },
      async (request) => inbox.markRead({ principal: principalOf(request), conversationId: request.params.id, upToSeq: request.body.upToSeq }),
    );
    app.post(
      '/api/v1/conversations/:id/take',
      { config: { auth: { permission: 'inbox.reply' } }, schema: { tags: ['inbox'], params: IdParams, response: { 200: Conversation } } },
      async (request) => inbox.take({ principal: principalOf(request), conversationId: request.params.id }),
    );
    app.post(
      '/api/v1/conversations/:id/notes',
      { config: { auth: { permission: 'inbox.reply' }, idempotent: true }, schema: { tags: ['inbox'], params: IdParams, body: NoteBody, response: { 201: Message } } },
      async (request, reply) => reply.status(201).send(await inbox.addNote({ principal: principalOf(request), conversationId: request.params.id, body: request.body.body })),
    );
    app.post(
      '/api/v1/conversations/:id/opt-out',
      { config: { auth: { permission: 'inbox.reply' } }, schema: { tags: ['inbox'], params: IdParams, body: OptOutBody, response: { 200: Conversation } } },
      async (request) => inbox.optOut({ principal: principalOf(request), conversationId: request.params.id, reason: request.body.reason }),
    );
    app.get(
      '/api/v1/conversations/:id/composer',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], params: IdParams, response: { 200: ComposerRules } } },
      async (request) => inbox.composer({ principal: principalOf(request), conversationId: request.params.id }),
    );
    app.put(
      '/api/v1/conversations/:id/labels',
      { config: { auth: { permission: 'inbox.reply' } }, schema: { tags: ['inbox'], params: IdParams, body: SetConversationLabelsBody, response: { 200: Conversation } } },
      async (request) => labels.setConversationLabels({ principal: principalOf(request), conversationId: request.params.id, labelIds: request.body.labelIds }),
    );
    app.get(
      '/api/v1/conversations/:id/suggested-labels',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], params: IdParams, response: { 200: SuggestedLabels } } },
      async (request) => labels.suggestLabels({ principal: principalOf(request), conversationId: request.params.id }),
    );

    app.get(
      '/api/v1/inbox/labels',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], response: { 200: InboxLabelList } } },
      async (request) => labels.listLabels(principalOf(request)),
    );
    app.post(
      '/api/v1/inbox/labels',
      { config: { auth: { permission: 'inbox.assign' } }, schema: { tags: ['inbox'], body: CreateInboxLabelBody, response: { 201: InboxLabel } } },
      async (request, reply) => reply.status(201).send(await labels.createLabel({ principal: principalOf(request), body: request.body })),
    );
    app.patch(
      '/api/v1/inbox/labels/:id',
      { config: { auth: { permission: 'inbox.assign' } }, schema: { tags: ['inbox'], params: IdParams, body: UpdateInboxLabelBody, response: { 200: InboxLabel } } },
      async (request) => labels.updateLabel({ principal: principalOf(request), labelId: request.params.id, body: request.body }),
    );
    app.delete(
      '/api/v1/inbox/labels/:id',
      { config: { auth: { permission: 'inbox.assign' } }, schema: { tags: ['inbox'], params: IdParams } },
      async (request, reply) => {
        await labels.deleteLabel({ principal: principalOf(request), labelId: request.params.id });
        return reply.status(204).send();
      },
    );
    app.get(
      '/api/v1/inbox/quick-replies',
      { config: { auth: { permission: 'inbox.read' } }, schema: { tags: ['inbox'], response: { 200: QuickReplyList } } },
      async (request) => labels.listQuickReplies(principalOf(request)),
    );
    app.post(
      '/api/v1/inbox/quick-replies',
      { config: { auth: { permission: 'inbox.assign' } }, schema: { tags: ['inbox'], body: CreateQuickReplyBody, response: { 201: QuickReply } } },
      async (request, reply) => reply.status(201).send(await labels.createQuickReply({ principal: principalOf(request), body: request.body })),
    );
    app.patch(
      '/api/v1/inbox/quick-replies/:id',
      { config: { auth: { permission: 'inbox.assign' } }, schema: { tags: ['inbox'], params: IdParams, body: UpdateQuickReplyBody, response: { 200: QuickReply } } },
      async (request) => labels.updateQuickReply({ principal: principalOf(request), quickReplyId: request.params.id, body: request.body }),
    );
    app.delete(
      '/api/v1/inbox/quick-replies/:id',
      { config: { auth: { permission: 'inbox.assign' } }, schema: { tags: ['inbox'], params: IdParams } },
      async (request, reply) => {
        await labels.deleteQuickReply({ principal: principalOf(request), quickReplyId: request.params.id });
        return reply.status(204).send();
      },
    );
  };
}
