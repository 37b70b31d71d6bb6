import { z } from 'zod';
import { Contact, HouseholdMember, HouseholdMemberInput, HouseholdMemberPatch, Ok, page, TaskStarted } from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import type { ContactsService } from './contacts.service';
import type { createValidationService } from './validation.service';
import type { createHouseholdService } from './household.service';
import { BulkBody, type createBulkService } from './bulk.service';
import { cursorFor, isCursorFor } from './contacts.repository';
import { presentContact } from './contacts.present';

const IdParams = z.object({ id: z.uuid() });
const ContactParams = z.object({ contactId: z.uuid() });
const MemberParams = z.object({ id: z.uuid(), memberId: z.uuid() });

const ValidationEvent = z.object({
  id: z.string(),
  action: z.string(),
  reason: z.string().nullable(),
  note: z.string().nullable(),
  userId: z.string().nullable(),
  at: z.string(),
});

/** The validation queue, household members and bulk actions. */
export function contactActionsRoutes(deps: {
  contacts: ContactsService;
  validation: ReturnType<typeof createValidationService>;
  household: ReturnType<typeof createHouseholdService>;
  bulk: ReturnType<typeof createBulkService>;
}) {
  const { contacts, validation, household, bulk } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/validation-queue',
      {
        config: { auth: { permission: 'contacts.validate' } },
        schema: { tags: ['validation'], querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(300).optional() }), response: { 200: page(Contact) } },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const after = decodeCursor(cursor, isCursorFor('contactability'));
        const rows = await contacts.list({
          principal: principalOf(request),
          filter: { validation: ['pending'] },
          sort: 'contactability',
          limit: limit + 1,
          ...(after ? { after } : {}),
        });
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return { items: items.map((r) => r.contact), nextCursor: rows.length > limit && last ? encodeCursor(cursorFor('contactability', last.row)) : null };
      },
    );

    app.get(
      '/api/v1/validation-queue/stats',
      {
        config: { auth: { permission: 'contacts.validate' } },
        schema: {
          tags: ['validation'],
          response: { 200: z.object({ pending: z.number(), approvedToday: z.number(), reviewers: z.array(z.object({ userId: z.string(), name: z.string(), approved: z.number(), rejected: z.number() })) }) },
        },
      },
      async (request) => validation.stats(principalOf(request)),
    );

    const decide = (action: 'approved' | 'rejected' | 'note', body: z.ZodType<{ reason?: string; note?: string }>) =>
      app.post(
        `/api/v1/validation-queue/:contactId/${action === 'approved' ? 'approve' : action === 'rejected' ? 'reject' : 'note'}`,
        { config: { auth: { permission: 'contacts.validate' } }, schema: { tags: ['validation'], params: ContactParams, body, response: { 200: Contact } } },
        async (request) => {
          const b = request.body as { reason?: string; note?: string };
          const row = await validation.decide({ principal: principalOf(request), contactId: request.params.contactId, action, reason: b.reason ?? null, note: b.note ?? null });
          return presentContact(row);
        },
      );
    decide('approved', z.strictObject({ note: z.string().trim().max(1000).optional() }));
    decide('rejected', z.strictObject({ reason: z.string().trim().min(1).max(300), note: z.string().trim().max(1000).optional() }));
    decide('note', z.strictObject({ note: z.string().trim().min(1).max(1000) }));

    app.get(
      '/api/v1/contacts/:id/validation',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['validation'], params: IdParams, response: { 200: page(ValidationEvent) } } },
      async (request) => ({
        items: (await validation.history({ principal: principalOf(request), contactId: request.params.id })).map((e) => ({
          id: e.id,
          action: e.action,
          reason: e.reason,
          note: e.note,
          userId: e.userId,
          at: e.at.toISOString(),
        })),
        nextCursor: null,
      }),
    );

    app.get(
      '/api/v1/contacts/:id/household',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['contacts'], params: IdParams, response: { 200: page(HouseholdMember) } } },
      async (request) => ({ items: await household.list({ principal: principalOf(request), contactId: request.params.id }), nextCursor: null }),
    );
    app.post(
      '/api/v1/contacts/:id/household',
      { config: { auth: { permission: 'contacts.write' } }, schema: { tags: ['contacts'], params: IdParams, body: HouseholdMemberInput, response: { 201: HouseholdMember } } },
      async (request, reply) => reply.status(201).send(await household.add({ principal: principalOf(request), contactId: request.params.id, input: request.body })),
    );
    app.patch(
      '/api/v1/contacts/:id/household/:memberId',
      {
        config: { auth: { permission: 'contacts.write' } },
        schema: { tags: ['contacts'], params: MemberParams, body: HouseholdMemberPatch, response: { 200: HouseholdMember } },
      },
      async (request) => household.update({ principal: principalOf(request), contactId: request.params.id, memberId: request.params.memberId, input: request.body }),
    );
    app.delete(
      '/api/v1/contacts/:id/household/:memberId',
      { config: { auth: { permission: 'contacts.write' } }, schema: { tags: ['contacts'], params: MemberParams, response: { 200: Ok } } },
      async (request) => {
        await household.remove({ principal: principalOf(request), contactId: request.params.id, memberId: request.params.memberId });
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/contacts/bulk',
      // Each action checks its own permission (tag → contacts.write, delete → contacts.delete, …).
      { config: { auth: { permission: 'contacts.read' }, idempotent: true }, schema: { tags: ['contacts'], body: BulkBody, response: { 202: TaskStarted } } },
      async (request, reply) => reply.status(202).send(await bulk.start({ principal: principalOf(request), body: request.body })),
    );
  };
}
