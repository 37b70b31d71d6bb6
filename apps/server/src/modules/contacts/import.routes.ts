import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { ContactImport, ContactListQuery, ImportPreview, page, StartImportBody } from '@leadmaster/contracts';
import { asc, eq } from 'drizzle-orm';
import type { ModuleDeps } from '../../platform/deps';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { AppError } from '../../platform/errors';
import { fieldDefinitions } from './contacts.tables';
import { MAX_IMPORT_BYTES, type ImportService } from './import/import.service';
import type { createExportService } from './export';
import type { createSegmentsService } from './segments.service';
import { filterFromQuery } from './contacts.routes';

const IdParams = z.object({ id: z.uuid() });

export function importRoutes(deps: ModuleDeps & { imports: ImportService; exports: ReturnType<typeof createExportService>; segments: ReturnType<typeof createSegmentsService> }) {
  const { imports, exports: exporter, segments, database } = deps;
  return async (app: HttpServer) => {
    await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5 } });

    app.post(
      '/api/v1/contacts/imports',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['imports'], consumes: ['multipart/form-data'], response: { 201: ImportPreview } } },
      async (request, reply) => {
        if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Send the CSV as multipart/form-data with a "file" field');
        const file = await request.file();
        if (!file) throw new AppError('validation_failed', 'No file was sent', { field: 'file' });
        const preview = await imports.create({ principal: principalOf(request), fileName: file.filename || 'contacts.csv', source: file.file });
        if (file.file.truncated) throw new AppError('payload_too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
        return reply.status(201).send(preview);
      },
    );

    app.get(
      '/api/v1/contacts/imports',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['imports'], response: { 200: page(ContactImport) } } },
      async (request) => ({ items: await imports.list(principalOf(request)), nextCursor: null }),
    );

    app.get(
      '/api/v1/contacts/imports/:id',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['imports'], params: IdParams, response: { 200: ContactImport } } },
      async (request) => imports.get({ principal: principalOf(request), importId: request.params.id }),
    );

    app.post(
      '/api/v1/contacts/imports/:id/start',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['imports'], params: IdParams, body: StartImportBody, response: { 202: ContactImport } } },
      async (request, reply) => reply.status(202).send(await imports.start({ principal: principalOf(request), importId: request.params.id, body: request.body })),
    );

    app.get(
      '/api/v1/contacts/imports/:id/issues.csv',
      { config: { auth: { permission: 'contacts.import' } }, schema: { tags: ['imports'], params: IdParams } },
      async (request, reply) => {
        const principal = principalOf(request);
        const current = await imports.get({ principal, importId: request.params.id });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${current.fileName.replace(/[^\w.-]+/g, '_')}-issues.csv"`)
          .send(Readable.from(imports.issuesCsv({ principal, importId: current.id })));
      },
    );

    app.get(
      '/api/v1/contacts/export',
      { config: { auth: { permission: 'contacts.export' } }, schema: { tags: ['contacts'], querystring: ContactListQuery } },
      async (request, reply) => {
        const principal = principalOf(request);
        let filter = filterFromQuery(request.query);
        if (request.query.segment) filter = { ...(await segments.get({ principal, segmentId: request.query.segment })).filter, ...filter };
        const keys = await database.withTenant(principal.tenantId, (tx) =>
          tx.select({ key: fieldDefinitions.key }).from(fieldDefinitions).where(eq(fieldDefinitions.tenantId, principal.tenantId)).orderBy(asc(fieldDefinitions.position)),
        );
        const stamp = new Date().toISOString().slice(0, 10);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="contacts-${stamp}.csv"`)
          .send(Readable.from(exporter.csv({ principal, filter, attributeKeys: keys.map((k) => k.key) })));
      },
    );
  };
}
