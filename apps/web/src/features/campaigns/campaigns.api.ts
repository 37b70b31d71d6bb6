import type { Campaign, CampaignInput, CampaignPatch, CampaignPlan, CampaignTimeline, Recipient, RecipientStatus, Template, TemplateInput, TemplatePatch, TemplatePreview } from '@leadmaster/contracts';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../lib/api';

type Input<S> = S extends { _input: infer I } ? I : never;
type Output<S> = S extends { _output: infer O } ? O : never;

export type { Campaign, Template };
export type CampaignBody = Input<typeof CampaignInput>;
export type CampaignPatchBody = Input<typeof CampaignPatch>;
export type TemplateBody = Input<typeof TemplateInput>;
export type TemplatePatchBody = Input<typeof TemplatePatch>;
export type Plan = Output<typeof CampaignPlan>;
export type PreviewResult = Output<typeof TemplatePreview>;
export type RecipientRow = Output<typeof Recipient>;
export type Timeline = Output<typeof CampaignTimeline>;
export type TimelineBucket = Timeline['bucket'];
export type RecipientState = Output<typeof RecipientStatus>;
export type CampaignAction = 'launch' | 'pause' | 'resume' | 'cancel';

/** The realtime bridge writes `campaign.progress` into these keys (app/RealtimeBridge.tsx). */
export const CAMPAIGNS_KEY = ['campaigns'] as const;
export const campaignKey = (id: string) => ['campaigns', 'one', id] as const;
export const recipientsKey = (id: string) => ['campaigns', 'one', id, 'recipients'] as const;
/** Outside campaignKey: the bridge refreshes it on its own, slower throttle (a pass over the ledger). */
export const timelineKey = (id: string) => ['campaigns', 'timeline', id] as const;
export const MESSAGE_TEMPLATES_KEY = ['message-templates'] as const;
export const messageTemplateKey = (id: string) => ['message-templates', id] as const;

export const RECIPIENT_STATES: RecipientState[] = ['pending', 'queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'ambiguous', 'skipped'];

export function useCampaigns() {
  return useQuery({ queryKey: [...CAMPAIGNS_KEY, 'list'], queryFn: ({ signal }) => api.get<Page<Campaign>>('/api/v1/campaigns?limit=100', signal).then((p) => p.items) });
}

/** Realtime keeps a running campaign current; a slow poll covers a dropped socket. */
export function useCampaign(id: string) {
  return useQuery({
    queryKey: campaignKey(id),
    queryFn: ({ signal }) => api.get<Campaign>(`/api/v1/campaigns/${id}`, signal),
    enabled: Boolean(id),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 15_000 : false),
  });
}

export function useRecipients(id: string, status: RecipientState | null, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: [...recipientsKey(id), status],
    queryFn: ({ pageParam, signal }) => api.get<Page<RecipientRow>>(`/api/v1/campaigns/${id}/recipients${query({ limit: 100, cursor: pageParam, status })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** The campaign's outcomes over time; the realtime bridge refreshes it on `campaign.progress`. */
export function useTimeline(id: string, bucket: TimelineBucket, enabled: boolean) {
  return useQuery({
    queryKey: [...timelineKey(id), bucket],
    queryFn: ({ signal }) => api.get<Timeline>(`/api/v1/campaigns/${id}/timeline${query({ bucket })}`, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** Minutes for a run of a few hours, hours up to a week, then days. */
export function timelineBucket(campaign: Pick<Campaign, 'launchedAt' | 'completedAt'>, now = Date.now()): TimelineBucket {
  if (!campaign.launchedAt) return 'minute';
  const span = (campaign.completedAt ? Date.parse(campaign.completedAt) : now) - Date.parse(campaign.launchedAt);
  return span <= 6 * 3600_000 ? 'minute' : span <= 7 * 24 * 3600_000 ? 'hour' : 'day';
}

export function useMessageTemplates() {
  return useQuery({ queryKey: MESSAGE_TEMPLATES_KEY, queryFn: ({ signal }) => api.get<Page<Template>>('/api/v1/templates?limit=100', signal).then((p) => p.items) });
}

export function useMessageTemplate(id: string | null) {
  return useQuery({ queryKey: messageTemplateKey(id ?? ''), queryFn: ({ signal }) => api.get<Template>(`/api/v1/templates/${id}`, signal), enabled: Boolean(id) });
}

export const recipientsExportUrl = (id: string, status: RecipientState | null) => `/api/v1/campaigns/${id}/recipients/export${query({ status })}`;

export const campaignsApi = {
  create: (body: CampaignBody) => api.post<Campaign>('/api/v1/campaigns', body),
  update: (id: string, body: CampaignPatchBody) => api.patch<Campaign>(`/api/v1/campaigns/${id}`, body),
  remove: (id: string) => api.delete<void>(`/api/v1/campaigns/${id}`),
  plan: (id: string) => api.post<Plan>(`/api/v1/campaigns/${id}/plan`, {}),
  act: (id: string, action: CampaignAction) => api.post<Campaign>(`/api/v1/campaigns/${id}/${action}`, {}),
  createTemplate: (body: TemplateBody) => api.post<Template>('/api/v1/templates', body),
  updateTemplate: (id: string, body: TemplatePatchBody) => api.patch<Template>(`/api/v1/templates/${id}`, body),
  removeTemplate: (id: string) => api.delete<void>(`/api/v1/templates/${id}`),
  preview: (id: string, contactId: string) => api.post<PreviewResult>(`/api/v1/templates/${id}/preview`, { contactId }),
};

/** The actions a person may take from each status (the server's state machine, campaign-state.ts). */
export function actionsFor(status: Campaign['status']): CampaignAction[] {
  switch (status) {
    case 'draft':
      return ['launch', 'cancel'];
    case 'scheduled':
      return ['cancel'];
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    default:
      return [];
  }
}

export function statusTone(status: Campaign['status']): 'neutral' | 'primary' | 'success' | 'warning' | 'danger' {
  switch (status) {
    case 'running':
      return 'primary';
    case 'scheduled':
      return 'primary';
    case 'paused':
      return 'warning';
    case 'completed':
      return 'success';
    case 'cancelled':
      return 'danger';
    default:
      return 'neutral';
  }
}

/** Share of `part` in `of` (0..1), or null when nothing to measure against. */
export const ratio = (part: number, of: number) => (of > 0 ? part / of : null);

/** Length as a person counts it (grapheme clusters: a flag or a family emoji is one). */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}
