import { z } from 'zod';
import {
  Campaign,
  CampaignInput,
  CampaignPatch,
  CampaignPlan,
  CampaignTimeline,
  CampaignTimelineQuery,
  ListQuery,
  page,
  Recipient,
  RecipientListQuery,
  RecipientStatus,
  Template,
  TemplateInput,
  TemplatePatch,
  TemplatePreview,
  TemplatePreviewBody,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor';
import type { TemplatesService } from './templates.service';
import type { CampaignsService } from './campaigns.service';

const IdParams = z.object({ id: z.uuid() });
const isUuid = (v: unknown): v is string => z.uuid().safeParse(v).success;
const isKeyset = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && isUuid(v[1]);

export function templatesRoutes(deps: { templates: TemplatesService }) {
  const { templates } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/templates',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], querystring: ListQuery, response: { 200: page(Template) } } },
      async (request) => {
        const after = decodeCursor(request.query.cursor, isUuid);
        const result = await templates.list({ principal: principalOf(request), limit: request.query.limit, ...(after ? { after } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
    app.post(
      '/api/v1/templates',
      { config: { auth: { permission: 'templates.manage' }, idempotent: true }, schema: { tags: ['campaigns'], body: TemplateInput, response: { 201: Template } } },
      async (request, reply) => reply.status(201).send(await templates.create({ principal: principalOf(request), input: request.body })),
    );
    app.get(
      '/api/v1/templates/:id',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, response: { 200: Template } } },
      async (request) => templates.get({ principal: principalOf(request), templateId: request.params.id }),
    );
    app.patch(
      '/api/v1/templates/:id',
      { config: { auth: { permission: 'templates.manage' } }, schema: { tags: ['campaigns'], params: IdParams, body: TemplatePatch, response: { 200: Template } } },
      async (request) => templates.update({ principal: principalOf(request), templateId: request.params.id, input: request.body }),
    );
    app.delete(
      '/api/v1/templates/:id',
      { config: { auth: { permission: 'templates.manage' } }, schema: { tags: ['campaigns'], params: IdParams } },
      async (request, reply) => {
        await templates.remove({ principal: principalOf(request), templateId: request.params.id });
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/v1/templates/:id/preview',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, body: TemplatePreviewBody, response: { 200: TemplatePreview } } },
      async (request) => templates.preview({ principal: principalOf(request), templateId: request.params.id, contactId: request.body.contactId }),
    );
  };
}

export function campaignsRoutes(deps: { campaigns: CampaignsService }) {
  const { campaigns } = deps;
  return async (app: HttpServer) => {
    app.get(
      '/api/v1/campaigns',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], querystring: ListQuery, response: { 200: page(Campaign) } } },
      async (request) => {
        const after = decodeCursor(request.query.cursor, isKeyset);
        const result = await campaigns.list({ principal: principalOf(request), limit: request.query.limit, ...(after ? { after } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
    app.post(
      '/api/v1/campaigns',
      { config: { auth: { permission: 'campaigns.manage' }, idempotent: true }, schema: { tags: ['campaigns'], body: CampaignInput, response: { 201: Campaign } } },
      async (request, reply) => reply.status(201).send(await campaigns.create({ principal: principalOf(request), input: request.body })),
    );
    app.get(
      '/api/v1/campaigns/:id',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, response: { 200: Campaign } } },
      async (request) => campaigns.get({ principal: principalOf(request), campaignId: request.params.id }),
    );
    app.patch(
      '/api/v1/campaigns/:id',
      { config: { auth: { permission: 'campaigns.manage' } }, schema: { tags: ['campaigns'], params: IdParams, body: CampaignPatch, response: { 200: Campaign } } },
      async (request) => campaigns.update({ principal: principalOf(request), campaignId: request.params.id, input: request.body }),
    );
    app.delete(
      '/api/v1/campaigns/:id',
      { config: { auth: { permission: 'campaigns.manage' } }, schema: { tags: ['campaigns'], params: IdParams } },
      async (request, reply) => {
        await campaigns.remove({ principal: principalOf(request), campaignId: request.params.id });
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/v1/campaigns/:id/plan',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, response: { 200: CampaignPlan } } },
      async (request) => campaigns.plan({ principal: principalOf(request), campaignId: request.params.id }),
    );
    for (const action of ['launch', 'pause', 'resume', 'cancel'] as const) {
      app.post(
        `/api/v1/campaigns/:id/${action}`,
        { config: { auth: { permission: 'campaigns.launch' } }, schema: { tags: ['campaigns'], params: IdParams, response: { 200: Campaign } } },
        async (request) => campaigns.transition({ principal: principalOf(request), campaignId: request.params.id, action }),
      );
    }
    app.get(
      '/api/v1/campaigns/:id/recipients',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, querystring: RecipientListQuery, response: { 200: page(Recipient) } } },
      async (request) => {
        const after = decodeCursor(request.query.cursor, isUuid);
        const result = await campaigns.recipients({ principal: principalOf(request), campaignId: request.params.id, limit: request.query.limit, status: request.query.status, ...(after ? { after } : {}) });
        return { items: result.items, nextCursor: result.next ? encodeCursor(result.next) : null };
      },
    );
    app.get(
      '/api/v1/campaigns/:id/timeline',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, querystring: CampaignTimelineQuery, response: { 200: CampaignTimeline } } },
      async (request) => campaigns.timeline({ principal: principalOf(request), campaignId: request.params.id, bucket: request.query.bucket }),
    );
    app.get(
      '/api/v1/campaigns/:id/recipients/export',
      { config: { auth: { permission: 'campaigns.read' } }, schema: { tags: ['campaigns'], params: IdParams, querystring: z.object({ status: RecipientStatus.optional() }) } },
      async (request, reply) => {
        const principal = principalOf(request);
        await campaigns.auditExport(principal, request.params.id);
        const { Readable } = await import('node:stream');
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="campaign-${request.params.id}-recipients.csv"`)
          .send(Readable.from(campaigns.exportRecipients({ principal, campaignId: request.params.id, status: request.query.status })));
      },
    );
  };
}
