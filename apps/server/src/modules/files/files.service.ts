import { FILE_LIMITS, fileKindOf, type FileKind, type StoredFile } from '@leadmaster/contracts';
import type { Database } from '../../platform/db/database';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { findBlob, putBlob, readBlob } from '../../platform/storage/blobs';
import { declaredTypeAgrees, sniffContentType, SNIFF_BYTES } from './sniff';

/** Uploading is for what gets sent: template media, inbox attachments. */
const UPLOAD_PERMISSIONS = ['templates.manage', 'inbox.reply'] as const;
/** Seeing a file: whoever sees the templates or the conversations it is sent in. */
const READ_PERMISSIONS = ['templates.manage', 'campaigns.read', 'inbox.read', 'inbox.reply'] as const;

const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

type BlobRow = NonNullable<Awaited<ReturnType<typeof findBlob>>>;

export const fileNotFound = () => notFound('File');

export function presentFile(row: Pick<BlobRow, 'id' | 'name' | 'contentType' | 'size' | 'createdAt'>): StoredFile {
  return { id: row.id, name: row.name, contentType: row.contentType, kind: fileKindOf(row.contentType)!, size: row.size, url: `/api/v1/files/${row.id}/content`, createdAt: row.createdAt.toISOString() };
}

/**
 * A file of the tenant that may be sent: one of the accepted media types (the blobs table also
 * holds imported CSVs and other internal files, which are never offered as media). Null otherwise.
 */
export async function findMediaFile(database: Database, options: { tenantId: string; fileId: string }) {
  const row = await findBlob(database, { tenantId: options.tenantId, blobId: options.fileId });
  if (!row || !fileKindOf(row.contentType)) return null;
  return { ...row, kind: fileKindOf(row.contentType) as FileKind };
}

/** Takes the first bytes of a stream for sniffing and hands back a stream of the whole content. */
async function peek(source: AsyncIterable<Buffer>, bytes: number) {
  const iterator = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(parts);
  async function* whole() {
    yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: head.subarray(0, bytes), complete: done, whole: whole() };
}

/** Uploads (type recognised from the content, per-type size limits) and their download. */
export function createFilesService(deps: Pick<ModuleDeps, 'database'>) {
  const { database } = deps;

  async function upload(options: { principal: Principal; fileName: string; declaredType: string; source: AsyncIterable<Buffer> }) {
    const { principal } = options;
    if (!UPLOAD_PERMISSIONS.some((p) => principal.permissions.has(p))) throw forbidden(UPLOAD_PERMISSIONS.join(' or '));
    const fileName = options.fileName.trim() || 'file';
    const { head, complete, whole } = await peek(options.source, SNIFF_BYTES);
    if (head.length === 0) throw new AppError('validation_failed', 'The file is empty', { field: 'file' });
    const contentType = sniffContentType({ head, declaredType: options.declaredType, fileName, complete });
    if (!contentType) {
      throw new AppError('unsupported_media_type', 'This type of file cannot be sent: use JPEG or PNG images, MP4 or 3GP video, AAC, M4A, MP3, AMR or OGG audio, or PDF, Word, Excel, PowerPoint or text documents', {
        field: 'file',
        declaredType: options.declaredType || null,
      });
    }
    if (!declaredTypeAgrees(options.declaredType, contentType)) {
      throw new AppError('unsupported_media_type', `The file says it is ${options.declaredType} but its content is ${contentType}`, { field: 'file', declaredType: options.declaredType, detectedType: contentType });
    }
    const kind = fileKindOf(contentType)!;
    const { maxBytes } = FILE_LIMITS[kind];
    try {
      const blob = await putBlob(database, { tenantId: principal.tenantId, name: fileName, contentType, source: whole, createdBy: principal.userId, maxBytes });
      const row = await findBlob(database, { tenantId: principal.tenantId, blobId: blob.id });
      return presentFile(row!);
    } catch (err) {
      if (err instanceof AppError && err.code === 'payload_too_large') {
        throw new AppError('payload_too_large', `${kind[0]!.toUpperCase()}${kind.slice(1)} files can be at most ${megabytes(maxBytes)}`, { field: 'file', kind, contentType, maxBytes });
      }
      throw err;
    }
  }

  async function get(options: { principal: Principal; fileId: string }) {
    const { principal } = options;
    if (!READ_PERMISSIONS.some((p) => principal.permissions.has(p))) throw forbidden(READ_PERMISSIONS.join(' or '));
    const row = await findMediaFile(database, { tenantId: principal.tenantId, fileId: options.fileId });
    if (!row) throw fileNotFound();
    return presentFile(row);
  }

  async function open(options: { principal: Principal; fileId: string }) {
    const file = await get(options);
    return { contentType: file.contentType, fileName: file.name, size: file.size, stream: readBlob(database, { tenantId: options.principal.tenantId, blobId: file.id }) };
  }

  return { upload, get, open };
}

export type FilesService = ReturnType<typeof createFilesService>;
