import { and, asc, eq, gt } from 'drizzle-orm';
import type { z } from 'zod';
import type { TemplateInput, TemplatePatch } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { notFound } from '../../platform/errors';
import { findMediaFile } from '../files';
import { messageTemplates, type TemplateMediaRef } from './campaigns.tables';
import { templateNotFound, unknownReference } from './campaigns.errors';
import { contactForPreview } from './campaigns.repository';
import { lengthOf, renderTemplate, valuesOf, variablesOf } from './render';

type TemplateRow = typeof messageTemplates.$inferSelect;

export function presentTemplate(row: TemplateRow) {
  return {
    id: row.id,
    name: row.name,
    body: row.body,
    media: row.media.map((m) => ({ blobId: m.blobId, mimeType: m.mimeType ?? null, fileName: m.fileName ?? null })),
    whatsappTemplate: row.whatsappTemplate ?? null,
    variables: variablesOf(row.body, ...(row.whatsappTemplate?.headerParameters ?? []), ...(row.whatsappTemplate?.parameters ?? [])),
    length: lengthOf(row.body),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findTemplate(tx: Tx, tenantId: string, templateId: string) {
  const [row] = await tx.select().from(messageTemplates).where(and(eq(messageTemplates.tenantId, tenantId), eq(messageTemplates.id, templateId)));
  return row ?? null;
}

/** Message templates: CRUD, media kept as the tenant's blobs, and a preview for one contact. */
export function createTemplatesService(deps: ModuleDeps) {
  const { database } = deps;

  /**
   * Media must be files this tenant uploaded to send (POST /files): their type is the one
   * recognised from the content, never what the client says; the name may be changed.
   */
  async function checkedMedia(tenantId: string, media: z.output<typeof TemplateInput>['media']): Promise<TemplateMediaRef[]> {
    const out: TemplateMediaRef[] = [];
    for (const [i, m] of media.entries()) {
      const file = await findMediaFile(database, { tenantId, fileId: m.blobId });
      if (!file) throw unknownReference(`media.${i}.blobId`, 'No such file in this workspace');
      out.push({ blobId: file.id, mimeType: file.contentType, fileName: m.fileName ?? file.name });
    }
    return out;
  }

  async function list(options: { principal: Principal; limit: number; after?: string }) {
    const { tenantId } = options.principal;
    const rows = await database.withTenant(tenantId, (tx) =>
      tx
        .select()
        .from(messageTemplates)
        .where(and(eq(messageTemplates.tenantId, tenantId), options.after ? gt(messageTemplates.id, options.after) : undefined))
        .orderBy(asc(messageTemplates.id))
        .limit(options.limit + 1),
    );
    const page = rows.slice(0, options.limit);
    return { items: page.map(presentTemplate), next: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null };
  }

  async function get(options: { principal: Principal; templateId: string }) {
    const { tenantId } = options.principal;
    const row = await database.withTenant(tenantId, (tx) => findTemplate(tx, tenantId, options.templateId));
    if (!row) throw templateNotFound();
    return presentTemplate(row);
  }

  async function create(options: { principal: Principal; input: z.output<typeof TemplateInput> }) {
    const { tenantId, userId } = options.principal;
    const media = await checkedMedia(tenantId, options.input.media);
    const [row] = await database.withTenant(tenantId, (tx) =>
      tx
        .insert(messageTemplates)
        .values({ tenantId, name: options.input.name, body: options.input.body, media, whatsappTemplate: options.input.whatsappTemplate, createdBy: userId })
        .returning(),
    );
    return presentTemplate(row!);
  }

  async function update(options: { principal: Principal; templateId: string; input: z.output<typeof TemplatePatch> }) {
    const { tenantId } = options.principal;
    const { input } = options;
    const media = input.media ? await checkedMedia(tenantId, input.media) : undefined;
    const set = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.body !== undefined ? { body: input.body } : {}),
      ...(media ? { media } : {}),
      ...(input.whatsappTemplate !== undefined ? { whatsappTemplate: input.whatsappTemplate } : {}),
    };
    const row = await database.withTenant(tenantId, async (tx) => {
      if (Object.keys(set).length === 0) return findTemplate(tx, tenantId, options.templateId);
      const [updated] = await tx
        .update(messageTemplates)
        .set(set)
        .where(and(eq(messageTemplates.tenantId, tenantId), eq(messageTemplates.id, options.templateId)))
        .returning();
      return updated ?? null;
    });
    if (!row) throw templateNotFound();
    return presentTemplate(row);
  }

  async function remove(options: { principal: Principal; templateId: string }) {
    const { tenantId } = options.principal;
    const rows = await database.withTenant(tenantId, (tx) =>
      tx
        .delete(messageTemplates)
        .where(and(eq(messageTemplates.tenantId, tenantId), eq(messageTemplates.id, options.templateId)))
        .returning({ id: messageTemplates.id }),
    );
    if (rows.length === 0) throw templateNotFound();
  }

  async function preview(options: { principal: Principal; templateId: string; contactId: string }) {
    const { tenantId } = options.principal;
    return database.withTenant(tenantId, async (tx) => {
      const template = await findTemplate(tx, tenantId, options.templateId);
      if (!template) throw templateNotFound();
      const contact = await contactForPreview(tx, tenantId, options.contactId);
      if (!contact) throw notFound('Contact');
      const rendered = renderTemplate(template, valuesOf(contact));
      return { ...rendered, length: lengthOf(rendered.body) };
    });
  }

  return { list, get, create, update, remove, preview };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
