import { z } from 'zod';
import {
  BlacklistEntry,
  BlacklistInput,
  ConsentEvent,
  ConsentInput,
  Contact,
  ContactFilter,
  ContactInput,
  ContactListQuery,
  FieldDefinition,
  FieldDefinitionInput,
  ListQuery,
  Ok,
  page,
  Segment,
  SegmentInput,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import type { ContactsService } from './contacts.service';
import type { createConsentService } from './consent.service';
import type { createSegmentsService } from './segments.service';
import { cursorFor, isCursorFor } from './contacts.repository';
import { invalidFilter } from './contacts.errors';

const IdParams = z.object({ id: z.uuid() });

/** The simple query parameters and an optional JSON filter, merged into one filter. */
export function filterFromQuery(query: z.infer<typeof ContactListQuery>): ContactFilter {
  let base: ContactFilter = {};
  if (query.filter) {
    let json: unknown;
    try {
      json = JSON.parse(query.filter);
    } catch {
      throw invalidFilter('not JSON');
    }
    const parsed = ContactFilter.safeParse(json);
    if (!parsed.success) throw invalidFilter(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    base = parsed.data;
  }
  const tags = query.tag === undefined ? undefined : [query.tag].flat();
  return {
    ...base,
    ...(query.search ? { search: query.search } : {}),
    ...(tags ? { tags: [...(base.tags ?? []), ...tags] } : {}),
    ...(query.owner ? { ownerId: query.owner } : {}),
    ...(query.validation ? { validation: [query.validation] } : {}),
    ...(query.phoneValid ? { phoneValid: query.phoneValid === 'true' } : {}),
    ...(query.whatsapp ? { whatsapp: query.whatsapp } : {}),
    ...(query.blacklisted ? { blacklisted: query.blacklisted === 'true' } : {}),
    ...(query.minContactability !== undefined ? { contactability: { ...base.contactability, min: query.minContactability } } : {}),
  };
}

export function contactsRoutes(deps: {
  contacts: ContactsService;
  consent: ReturnType<typeof createConsentService>;
  segments: ReturnType<typeof createSegmentsService>;
}) {
  const { contacts, consent, segments } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/contacts',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['contacts'], querystring: ContactListQuery, response: { 200: page(Contact) } } },
      async (request) => {
        const principal = principalOf(request);
        const q = request.query;
        let filter = filterFromQuery(q);
        if (q.segment) filter = { ...(await segments.get({ principal, segmentId: q.segment })).filter, ...filter };
        const after = decodeCursor(q.cursor, isCursorFor(q.sort));
        const rows = await contacts.list({ principal, filter, sort: q.sort, limit: q.limit + 1, ...(after ? { after } : {}) });
        const items = rows.slice(0, q.limit);
        const last = items.at(-1);
        return { items: items.map((r) => r.contact), nextCursor: rows.length > q.limit && last ? encodeCursor(cursorFor(q.sort, last.row)) : null };
      },
    );

    app.post(
      '/api/v1/contacts',
      { config: { auth: { permission: 'contacts.write' }, idempotent: true }, schema: { tags: ['contacts'], body: ContactInput, response: { 201: Contact } } },
      async (request, reply) => reply.status(201).send(await contacts.create({ principal: principalOf(request), input: request.body })),
    );

    app.get(
      '/api/v1/contacts/:id',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['contacts'], params: IdParams, response: { 200: Contact } } },
      async (request) => contacts.get({ principal: principalOf(request), contactId: request.params.id }),
    );

    app.patch(
      '/api/v1/contacts/:id',
      { config: { auth: { permission: 'contacts.write' } }, schema: { tags: ['contacts'], params: IdParams, body: ContactInput, response: { 200: Contact } } },
      async (request) => contacts.update({ principal: principalOf(request), contactId: request.params.id, input: request.body }),
    );

    app.delete(
      '/api/v1/contacts/:id',
      { config: { auth: { permission: 'contacts.delete' } }, schema: { tags: ['contacts'], params: IdParams, response: { 200: Ok } } },
      async (request) => {
        await contacts.remove({ principal: principalOf(request), contactId: request.params.id });
        return { ok: true as const };
      },
    );

    const presentConsent = (e: Awaited<ReturnType<typeof consent.record>>) => ({
      id: e.id,
      channel: e.channel,
      status: e.status,
      source: e.source,
      text: e.textShown,
      evidence: e.evidence,
      recordedBy: e.recordedBy,
      recordedAt: e.recordedAt.toISOString(),
    });

    app.post(
      '/api/v1/contacts/:id/consent',
      { config: { auth: { permission: 'contacts.write' } }, schema: { tags: ['contacts'], params: IdParams, body: ConsentInput, response: { 201: ConsentEvent } } },
      async (request, reply) => {
        const { text, ...rest } = request.body;
        const event = await consent.record({ principal: principalOf(request), contactId: request.params.id, input: { ...rest, text: text ?? null } });
        return reply.status(201).send(presentConsent(event));
      },
    );

    app.get(
      '/api/v1/contacts/:id/consent',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['contacts'], params: IdParams, response: { 200: page(ConsentEvent) } } },
      async (request) => ({ items: (await consent.history({ principal: principalOf(request), contactId: request.params.id })).map(presentConsent), nextCursor: null }),
    );

    const presentBlacklist = (r: { entry: { phoneRaw: string; phoneE164: string | null; phoneKey: string; reason: string; source: string; addedBy: string | null; createdAt: Date }; contactCount: number }) => ({
      phone: r.entry.phoneRaw,
      phoneE164: r.entry.phoneE164,
      phoneKey: r.entry.phoneKey,
      reason: r.entry.reason,
      source: r.entry.source,
      addedBy: r.entry.addedBy,
      createdAt: r.entry.createdAt.toISOString(),
      contactCount: r.contactCount,
    });
    const isBlacklistCursor = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');

    app.get(
      '/api/v1/blacklist',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['blacklist'], querystring: ListQuery, response: { 200: page(BlacklistEntry) } } },
      async (request) => {
        const { limit, cursor } = request.query;
        const before = decodeCursor(cursor, isBlacklistCursor);
        const rows = await consent.listBlacklist({ principal: principalOf(request), limit: limit + 1, ...(before ? { before: { createdAt: before[0], phoneKey: before[1] } } : {}) });
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return {
          items: items.map(presentBlacklist),
          nextCursor: rows.length > limit && last ? encodeCursor([last.entry.createdAt.toISOString(), last.entry.phoneKey]) : null,
        };
      },
    );

    app.post(
      '/api/v1/blacklist',
      { config: { auth: { permission: 'blacklist.manage' } }, schema: { tags: ['blacklist'], body: BlacklistInput, response: { 201: BlacklistEntry } } },
      async (request, reply) => reply.status(201).send(presentBlacklist(await consent.block({ principal: principalOf(request), ...request.body }))),
    );

    app.delete(
      '/api/v1/blacklist/:phoneKey',
      {
        config: { auth: { permission: 'blacklist.manage' } },
        schema: { tags: ['blacklist'], params: z.object({ phoneKey: z.string().min(3).max(60) }), response: { 200: Ok } },
      },
      async (request) => {
        await consent.unblock({ principal: principalOf(request), phoneKey: request.params.phoneKey });
        return { ok: true as const };
      },
    );

    app.get(
      '/api/v1/segments',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['segments'], response: { 200: page(Segment) } } },
      async (request) => ({ items: await segments.list(principalOf(request)), nextCursor: null }),
    );
    app.post(
      '/api/v1/segments',
      { config: { auth: { permission: 'segments.manage' }, idempotent: true }, schema: { tags: ['segments'], body: SegmentInput, response: { 201: Segment } } },
      async (request, reply) => reply.status(201).send(await segments.create({ principal: principalOf(request), input: request.body })),
    );
    app.get(
      '/api/v1/segments/:id',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['segments'], params: IdParams, response: { 200: Segment } } },
      async (request) => segments.get({ principal: principalOf(request), segmentId: request.params.id }),
    );
    app.patch(
      '/api/v1/segments/:id',
      { config: { auth: { permission: 'segments.manage' } }, schema: { tags: ['segments'], params: IdParams, body: SegmentInput.partial(), response: { 200: Segment } } },
      async (request) => segments.update({ principal: principalOf(request), segmentId: request.params.id, input: request.body }),
    );
    app.delete(
      '/api/v1/segments/:id',
      { config: { auth: { permission: 'segments.manage' } }, schema: { tags: ['segments'], params: IdParams, response: { 200: Ok } } },
      async (request) => {
        await segments.remove({ principal: principalOf(request), segmentId: request.params.id });
        return { ok: true as const };
      },
    );

    app.get(
      '/api/v1/contact-fields',
      { config: { auth: { permission: 'contacts.read' } }, schema: { tags: ['contacts'], response: { 200: page(FieldDefinition) } } },
      async (request) => ({ items: await segments.listFields(principalOf(request)), nextCursor: null }),
    );
    app.post(
      '/api/v1/contact-fields',
      { config: { auth: { permission: 'settings.manage' } }, schema: { tags: ['contacts'], body: FieldDefinitionInput, response: { 201: FieldDefinition } } },
      async (request, reply) => reply.status(201).send(await segments.createField({ principal: principalOf(request), input: request.body })),
    );
  };
}
