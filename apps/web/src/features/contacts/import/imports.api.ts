import type { ContactImport } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import type { ConsentChannel } from '../contacts.api';

export type { ContactImport };
export type ImportMode = ContactImport['mode'];
export type ImportPreview = { import: ContactImport; rows: string[][]; guessedMapping: Record<string, string> };
export type StartImport = {
  mapping: Record<string, string>;
  mode: ImportMode;
  consent?: { channel: ConsentChannel; source: string; text?: string };
  tags: string[];
};

export const IMPORTS_KEY = ['contact-imports'] as const;
export const importKey = (id: string) => ['contact-imports', id] as const;
/** Fields a column can be mapped to, besides `attr:<key>` and `ignore` (IMPORT_FIELDS in the contracts). */
export const IMPORT_FIELDS = ['firstName', 'lastName', 'fullName', 'company', 'phone', 'email', 'website', 'address', 'tags', 'consent'] as const;

export const isImportActive = (imp: ContactImport | undefined) => imp?.status === 'queued' || imp?.status === 'running';

export const importsApi = {
  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.upload<ImportPreview>('/api/v1/contacts/imports', form);
  },
  start: (id: string, body: StartImport) => api.post<ContactImport>(`/api/v1/contacts/imports/${id}/start`, body),
};

export function useImports() {
  return useQuery({
    queryKey: IMPORTS_KEY,
    queryFn: ({ signal }) => api.get<{ items: ContactImport[] }>('/api/v1/contacts/imports', signal).then((p) => p.items),
    refetchInterval: (q) => (q.state.data?.some(isImportActive) ? 3000 : false),
  });
}

/**
 * One import. Realtime `contacts.import.updated` events are written into this entry (RealtimeBridge);
 * the poll keeps the bar moving when the socket is down.
 */
export function useImport(id: string) {
  return useQuery({
    queryKey: importKey(id),
    queryFn: ({ signal }) => api.get<ContactImport>(`/api/v1/contacts/imports/${id}`, signal),
    staleTime: 0,
    refetchInterval: (q) => (isImportActive(q.state.data) ? 1500 : false),
  });
}

/** The first rows and the guessed mapping come only with the upload: kept for this tab so a reload of the mapping step keeps its preview. */
const PREVIEW_KEY = (id: string) => `lm.import-preview.${id}`;
export function rememberPreview(preview: ImportPreview) {
  try {
    sessionStorage.setItem(PREVIEW_KEY(preview.import.id), JSON.stringify({ rows: preview.rows.slice(0, 20), guessedMapping: preview.guessedMapping }));
  } catch {
    /* storage full or blocked: the mapping screen works without the preview */
  }
}
export function recallPreview(id: string): Pick<ImportPreview, 'rows' | 'guessedMapping'> | null {
  try {
    const raw = sessionStorage.getItem(PREVIEW_KEY(id));
    return raw ? (JSON.parse(raw) as Pick<ImportPreview, 'rows' | 'guessedMapping'>) : null;
  } catch {
    return null;
  }
}
