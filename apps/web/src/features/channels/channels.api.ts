import type { Channel, ChannelKind, ChannelTemplate, CreateChannelBody, WhatsAppWebSession } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../lib/api';

export const CHANNELS_KEY = ['channels'] as const;
export const channelKey = (id: string) => ['channels', id] as const;
/** Where a WhatsApp Web session's status lives; the realtime bridge writes `session.state_changed` here. */
export const sessionKey = (id: string) => ['channels', id, 'session'] as const;
export const templatesKey = (id: string) => ['channels', id, 'templates'] as const;
export const PROBLEMS_KEY = ['channels', 'inbound-problems'] as const;

export type ChannelTestResult = { ok: boolean; info: Record<string, unknown> | null; error: { code: string; message: string; retryable: boolean } | null; testedAt: string };
export type TemplateList = { items: ChannelTemplate[]; nextCursor: null; syncedAt: string | null };
export type InboundProblem = { id: string; channelId: string; status: 'pending' | 'processed' | 'ignored' | 'dead'; attempts: number; error: string | null; receivedAt: string; preview: string };

export function useChannels() {
  return useQuery({ queryKey: CHANNELS_KEY, queryFn: ({ signal }) => api.get<Page<Channel>>('/api/v1/channels', signal).then((p) => p.items) });
}

export function useChannel(id: string) {
  return useQuery({ queryKey: channelKey(id), queryFn: ({ signal }) => api.get<Channel>(`/api/v1/channels/${id}`, signal) });
}

/** The session status; realtime keeps it current, a slow poll covers a dropped socket. */
export function useWhatsAppWebSession(id: string, enabled = true) {
  return useQuery({
    queryKey: sessionKey(id),
    queryFn: ({ signal }) => api.get<WhatsAppWebSession>(`/api/v1/channels/${id}/session`, signal),
    enabled,
    refetchInterval: (query) => (query.state.data?.state === 'READY' ? 60_000 : 10_000),
  });
}

export function useTemplates(id: string, enabled: boolean) {
  return useQuery({ queryKey: templatesKey(id), queryFn: ({ signal }) => api.get<TemplateList>(`/api/v1/channels/${id}/templates`, signal), enabled });
}

export function useInboundProblems(enabled: boolean) {
  return useQuery({ queryKey: PROBLEMS_KEY, queryFn: ({ signal }) => api.get<Page<InboundProblem>>('/api/v1/channels/inbound-problems?limit=50', signal).then((p) => p.items), enabled });
}

export const channelsApi = {
  create: (body: CreateChannelBody) => api.post<Channel>('/api/v1/channels', body),
  update: (id: string, body: { name?: string; status?: 'active' | 'disabled'; settings?: Record<string, unknown> }) => api.patch<Channel>(`/api/v1/channels/${id}`, body),
  remove: (id: string) => api.delete<{ ok: true }>(`/api/v1/channels/${id}`),
  test: (id: string) => api.post<ChannelTestResult>(`/api/v1/channels/${id}/test`, {}),
  syncTemplates: (id: string) => api.post<TemplateList>(`/api/v1/channels/${id}/templates/sync`, {}),
  restartSession: (id: string) => api.post<WhatsAppWebSession>(`/api/v1/channels/${id}/session/restart`, {}),
  logoutSession: (id: string) => api.post<WhatsAppWebSession>(`/api/v1/channels/${id}/session/logout`, {}),
};

export const KINDS: ChannelKind[] = ['sandbox', 'whatsapp_cloud', 'bluebubbles', 'whatsapp_web'];
