import { FILE_LIMITS, fileKindOf, MAX_FILE_BYTES, type FileKind, type StoredFile } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';

export type { StoredFile, FileKind };
export { FILE_ACCEPT } from '@leadmaster/contracts';

/** A file as the screens show it: what an upload answered, or what a template or message says of it. */
export type Attachment = { id: string; name: string; contentType: string | null; size: number | null; url: string };

export const fileUrl = (id: string) => `/api/v1/files/${id}/content`;

export const useStoredFile = (id: string | null) =>
  useQuery({ queryKey: ['files', id], queryFn: ({ signal }) => api.get<StoredFile>(`/api/v1/files/${id}`, signal), enabled: Boolean(id), staleTime: Infinity });

export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}

/**
 * What the server would refuse, said before a byte is sent. The browser's type may be empty (an
 * unknown extension): the server, which reads the content, then decides.
 */
export function checkFile(file: File, t: TFunction, locale: string): string | null {
  const kind = fileKindOf(file.type);
  if (file.type && !kind) return t('files.errors.type', { name: file.name });
  const max = kind ? FILE_LIMITS[kind].maxBytes : MAX_FILE_BYTES;
  if (file.size > max) return t('files.errors.tooBig', { name: file.name, size: formatBytes(file.size, locale), kind: t(`files.kinds.${kind ?? 'document'}`).toLowerCase(), max: formatBytes(max, locale) });
  return null;
}

/** Uploads one file at a time, with the name being uploaded and the last error for the screen. */
export function useUpload() {
  const { t, i18n } = useTranslation();
  const [uploading, setUploading] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function upload(file: File): Promise<StoredFile | null> {
    const problem = checkFile(file, t, i18n.language);
    if (problem) {
      setError(problem);
      return null;
    }
    setError(null);
    setUploading(file.name);
    try {
      const form = new FormData();
      form.set('file', file);
      return await api.upload<StoredFile>('/api/v1/files', form);
    } catch (err) {
      // The server's refusals, in the reader's language (the server reads the content, not the name).
      const details = isApiError(err) ? (err.details as { kind?: FileKind; maxBytes?: number } | undefined) : undefined;
      if (isApiError(err, 'payload_too_large') && details?.kind && details.maxBytes) {
        setError(t('files.errors.tooBig', { name: file.name, size: formatBytes(file.size, i18n.language), kind: t(`files.kinds.${details.kind}`).toLowerCase(), max: formatBytes(details.maxBytes, i18n.language) }));
      } else if (isApiError(err, 'unsupported_media_type')) setError(t('files.errors.type', { name: file.name }));
      else setError(errorText(err, t));
      return null;
    } finally {
      setUploading(null);
    }
  }
  return { upload, uploading, error, setError };
}
