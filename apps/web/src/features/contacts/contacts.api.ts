import type {
  BlacklistEntry as BlacklistEntrySchema,
  ConsentEvent as ConsentEventSchema,
  Contact,
  ContactFilter,
  ContactInput,
  FieldDefinition as FieldDefinitionSchema,
  HouseholdMember as HouseholdMemberSchema,
  Segment as SegmentSchema,
} from '@leadmaster/contracts';
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query, type Page } from '../../lib/api';

/** The output type of a contracts schema, without importing zod (types only reach the browser). */
export type Output<S> = S extends { _output: infer O } ? O : never;

export type { Contact, ContactFilter, ContactInput };
export type ConsentEvent = Output<typeof ConsentEventSchema>;
export type BlacklistEntry = Output<typeof BlacklistEntrySchema>;
export type HouseholdMember = Output<typeof HouseholdMemberSchema>;
export type FieldDefinition = Output<typeof FieldDefinitionSchema>;
export type Segment = Output<typeof SegmentSchema>;
export type ConsentChannel = 'whatsapp' | 'imessage' | 'sms' | 'any';
export type ValidationStatus = 'pending' | 'approved' | 'rejected';
export type ContactSort = 'recent' | 'name' | 'contactability' | 'potential';
export type ValidationEvent = { action: 'approved' | 'rejected' | 'note' | 'expired'; reason: string | null; note: string | null; userId: string | null; at: string };
export type BulkAction = 'tag' | 'untag' | 'assign' | 'delete' | 'rescore';
export type BulkRequest = { filter?: ContactFilter; contactIds?: string[]; action: BulkAction; tags?: string[]; ownerId?: string | null };

export const CONSENT_CHANNELS = ['whatsapp', 'imessage', 'sms'] as const;
export const PAGE_SIZE = 100;

export const CONTACTS_KEY = ['contacts'] as const;
export const contactKey = (id: string) => ['contacts', 'one', id] as const;
export const FIELDS_KEY = ['contact-fields'] as const;
export const SEGMENTS_KEY = ['segments'] as const;
export const SCORING_KEY = ['scoring', 'settings'] as const;

/** What a list shows: the same parameters serve the list, the export and "select all matching". */
export type ListParams = { sort: ContactSort; search: string; filter: ContactFilter; segment: string | null };

export function listQueryString(params: ListParams, extra: Record<string, string | number | undefined> = {}) {
  const filter = Object.keys(params.filter).length ? JSON.stringify(params.filter) : undefined;
  return query({ ...extra, sort: params.sort, search: params.search.trim() || undefined, filter, segment: params.segment ?? undefined });
}

export function useContactPages(params: ListParams) {
  return useInfiniteQuery({
    queryKey: [...CONTACTS_KEY, 'list', params],
    queryFn: ({ pageParam, signal }) => api.get<Page<Contact>>(`/api/v1/contacts${listQueryString(params, { limit: PAGE_SIZE, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useContact(id: string) {
  return useQuery({ queryKey: contactKey(id), queryFn: ({ signal }) => api.get<Contact>(`/api/v1/contacts/${id}`, signal) });
}

export function useContactFields() {
  return useQuery({
    queryKey: FIELDS_KEY,
    queryFn: ({ signal }) => api.get<Page<FieldDefinition>>('/api/v1/contact-fields', signal).then((p) => p.items),
    staleTime: 60_000,
  });
}

export function useSegments() {
  return useQuery({ queryKey: SEGMENTS_KEY, queryFn: ({ signal }) => api.get<Page<Segment>>('/api/v1/segments', signal).then((p) => p.items) });
}

export type PotentialRule = { id: string; label: string; field: string; op: 'eq' | 'neq' | 'contains' | 'gt' | 'lt' | 'exists' | 'has_tag'; value?: string | number; points: number };
export type ScoringSettings = { threshold: number; potentialRules: PotentialRule[] };

export function useScoringSettings() {
  return useQuery({ queryKey: SCORING_KEY, queryFn: ({ signal }) => api.get<ScoringSettings>('/api/v1/scoring/settings', signal), staleTime: 60_000 });
}

export function useConsentHistory(id: string) {
  return useQuery({ queryKey: [...contactKey(id), 'consent'], queryFn: ({ signal }) => api.get<Page<ConsentEvent>>(`/api/v1/contacts/${id}/consent`, signal).then((p) => p.items) });
}

export function useValidationHistory(id: string) {
  return useQuery({
    queryKey: [...contactKey(id), 'validation'],
    queryFn: ({ signal }) => api.get<{ items: ValidationEvent[] }>(`/api/v1/contacts/${id}/validation`, signal).then((p) => p.items),
  });
}

export function useHousehold(id: string) {
  return useQuery({
    queryKey: [...contactKey(id), 'household'],
    queryFn: ({ signal }) => api.get<{ items: HouseholdMember[] }>(`/api/v1/contacts/${id}/household`, signal).then((p) => p.items),
  });
}

export type HouseholdInput = { name: string; relation: string; phone: string | null; confirmed: boolean };

export const contactsApi = {
  create: (input: ContactInput) => api.post<Contact>('/api/v1/contacts', input),
  update: (id: string, input: ContactInput) => api.patch<Contact>(`/api/v1/contacts/${id}`, input),
  remove: (id: string) => api.delete<{ ok: true }>(`/api/v1/contacts/${id}`),
  recordConsent: (id: string, body: { channel: ConsentChannel; status: 'opted_in' | 'opted_out'; source: string; text?: string }) =>
    api.post<ConsentEvent>(`/api/v1/contacts/${id}/consent`, body),
  bulk: (body: BulkRequest) => api.post<{ taskId: string }>('/api/v1/contacts/bulk', body),
  block: (body: { phone: string; reason: string }) => api.post<BlacklistEntry>('/api/v1/blacklist', body),
  unblock: (phoneKey: string) => api.delete<{ ok: true }>(`/api/v1/blacklist/${encodeURIComponent(phoneKey)}`),
  addMember: (id: string, body: HouseholdInput) => api.post<HouseholdMember>(`/api/v1/contacts/${id}/household`, body),
  updateMember: (id: string, memberId: string, body: Partial<HouseholdInput>) => api.patch<HouseholdMember>(`/api/v1/contacts/${id}/household/${memberId}`, body),
  removeMember: (id: string, memberId: string) => api.delete<{ ok: true }>(`/api/v1/contacts/${id}/household/${memberId}`),
  createSegment: (body: { name: string; filter: ContactFilter }) => api.post<Segment>('/api/v1/segments', body),
  updateSegment: (id: string, body: { name?: string; filter?: ContactFilter }) => api.patch<Segment>(`/api/v1/segments/${id}`, body),
  removeSegment: (id: string) => api.delete<{ ok: true }>(`/api/v1/segments/${id}`),
  createField: (body: { key: string; label: string; type: FieldDefinition['type']; choices: string[] }) => api.post<FieldDefinition>('/api/v1/contact-fields', body),
  saveScoring: (body: Partial<ScoringSettings>) => api.put<ScoringSettings & { taskId: string | null }>('/api/v1/scoring/settings', body),
};

/** After a change to one contact: the cached contact, its lists and its side panels are reloaded. */
export function useRefreshContact() {
  const queryClient = useQueryClient();
  return (contact: Contact | string) => {
    if (typeof contact !== 'string') queryClient.setQueryData(contactKey(contact.id), contact);
    const id = typeof contact === 'string' ? contact : contact.id;
    return Promise.all([
      queryClient.invalidateQueries({ queryKey: contactKey(id) }),
      queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'list'] }),
    ]);
  };
}

export function displayName(contact: Pick<Contact, 'firstName' | 'lastName' | 'company' | 'email' | 'phone'>): string {
  return [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.company || contact.email || contact.phone || '—';
}
