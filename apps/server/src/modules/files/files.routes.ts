import multipart from '@fastify/multipart';
import { MAX_FILE_BYTES, StoredFile } from '@leadmaster/contracts';
import { z } from 'zod';
import type { HttpServer } from '../../platform/http/server';
import { principalOf } from '../../platform/http/auth';
import { sendStoredFile } from '../../platform/http/file-response';
import { AppError } from '../../platform/errors';
import type { FilesService } from './files.service';

const IdParams = z.object({ id: z.uuid() });

export function filesRoutes(deps: { files: FilesService }) {
  const { files } = deps;
  return async (app: HttpServer) => {
    // One byte over the largest limit: the per-type limit (in the service) is what answers 413.
    await app.register(multipart, { limits: { fileSize: MAX_FILE_BYTES + 1, files: 1, fields: 0, parts: 1 } });

    app.post(
      '/api/v1/files',
      {
        // Permission: templates.manage or inbox.reply (checked by the service: a route declares one).
        config: { auth: { permission: null } },
        schema: {
          tags: ['files'],
          summary: 'Upload one file (multipart field "file") to send as template media or an inbox attachment',
          description:
            'The type is recognised from the content. Limits: images (JPEG, PNG) 5 MB; video (MP4, 3GP) 16 MB; audio (AAC, M4A, MP3, AMR, OGG) 16 MB; documents (PDF, Word, Excel, PowerPoint, text) 100 MB. 413 names the limit, 415 an unsupported or mislabelled type. Needs templates.manage or inbox.reply.',
          consumes: ['multipart/form-data'],
          response: { 201: StoredFile },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Send the file as multipart/form-data with a "file" field');
        const file = await request.file();
        if (!file) throw new AppError('validation_failed', 'No file was sent', { field: 'file' });
        const stored = await files.upload({ principal: principalOf(request), fileName: file.filename, declaredType: file.mimetype ?? '', source: file.file });
        return reply.status(201).send(stored);
      },
    );

    app.get(
      '/api/v1/files/:id',
      { config: { auth: { permission: null } }, schema: { tags: ['files'], summary: 'A file’s name, type and size (templates.manage, campaigns.read, inbox.read or inbox.reply)', params: IdParams, response: { 200: StoredFile } } },
      async (request) => files.get({ principal: principalOf(request), fileId: request.params.id }),
    );

    app.get(
      '/api/v1/files/:id/content',
      {
        config: { auth: { permission: null } },
        schema: {
          tags: ['files'],
          summary: 'A file’s content: images, audio and video inline, anything else as a download (nosniff)',
          params: IdParams,
        },
      },
      async (request, reply) => sendStoredFile(reply, await files.open({ principal: principalOf(request), fileId: request.params.id })),
    );
  };
}
