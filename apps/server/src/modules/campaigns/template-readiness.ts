import type { ChannelTemplate, TemplateOnChannel } from '@leadmaster/contracts';
import { headerMediaProblem } from '../channels';
import type { WhatsAppTemplateMapping } from './campaigns.tables';

/** Reasons a campaign was paused for its WhatsApp template (webhook, claim-time check, or Meta's error codes). */
export const TEMPLATE_PAUSE_REASONS = new Set(['template_paused', 'template_disabled', 'template_not_approved', 'provider_error_132015', 'provider_error_132016']);

type ChannelView = { id: string; kind: string; name?: string; providerState: Record<string, unknown> };
type KeptTemplates = { syncedAt?: string | null; items?: ChannelTemplate[] };

/**
 * Where Meta stands on a campaign's WhatsApp template on each of its Cloud API numbers, read from
 * the number's template list (kept by syncs and by the status webhooks, channels/template-status.ts).
 * `status` is Meta's (`APPROVED`, `PAUSED`, `DISABLED`, `REJECTED`, `PENDING`…), `MISSING` when the
 * list was synced and has no such template, null when nothing is known (never synced): an unknown
 * status does not block a launch (decision 0030), Meta's own error codes still pause the campaign.
 * With the status, whether the campaign template's file fits the Meta template's header there
 * (`mediaProblem`: the engine sends the first file as the header's parameter, decision 0048); a
 * header format not known (a list synced before formats were read) is not a problem either.
 */
export function templateOnChannels(channels: ChannelView[], template: { whatsappTemplate: WhatsAppTemplateMapping | null; media: { mimeType: string | null }[] }): TemplateOnChannel[] {
  const mapping = template.whatsappTemplate;
  if (!mapping) return [];
  const mimeType = template.media[0]?.mimeType ?? null;
  return channels
    .filter((c) => c.kind === 'whatsapp_cloud')
    .map((c) => {
      const kept = c.providerState.templates as KeptTemplates | undefined;
      const hit = kept?.items?.find((t) => t.name === mapping.name && t.language === mapping.language);
      const status = hit?.status ?? (kept?.syncedAt ? 'MISSING' : null);
      const known = hit && hit.headerFormat !== undefined;
      // Counts not known (synced before they were read) are not a problem: Meta's 132000 answers then.
      const headerParameters = hit?.headerParameters;
      const bodyParameters = hit?.bodyParameters;
      const parameterProblem =
        headerParameters !== undefined && headerParameters !== (mapping.headerParameters?.length ?? 0)
          ? ('template_header_parameters' as const)
          : bodyParameters !== undefined && bodyParameters !== mapping.parameters.length
            ? ('template_body_parameters' as const)
            : null;
      return {
        channelId: c.id,
        channelName: c.name ?? null,
        name: mapping.name,
        language: mapping.language,
        status,
        ...(known ? { headerFormat: hit.headerFormat ?? null, mediaProblem: headerMediaProblem(hit.headerFormat, mimeType) } : {}),
        ...(headerParameters !== undefined || bodyParameters !== undefined ? { parameterProblem } : {}),
        ...(headerParameters !== undefined ? { headerParameters } : {}),
        ...(bodyParameters !== undefined ? { bodyParameters } : {}),
      };
    });
}

/** The numbers on which the template is known not to send (a launch or resume is refused). */
export function templateBlockers(on: TemplateOnChannel[]): TemplateOnChannel[] {
  return on.filter((t) => t.status !== null && t.status !== 'APPROVED');
}

/** The numbers whose Meta template's header the campaign template's file does not fit (a launch or resume is refused). */
export function templateMediaBlockers(on: TemplateOnChannel[]): TemplateOnChannel[] {
  return on.filter((t) => t.status === 'APPROVED' && t.mediaProblem);
}

/** The numbers whose Meta template takes other parameters than the campaign template maps (a launch or resume is refused: 132000 on every send). */
export function templateParameterBlockers(on: TemplateOnChannel[]): TemplateOnChannel[] {
  return on.filter((t) => t.status === 'APPROVED' && !t.mediaProblem && t.parameterProblem);
}

/**
 * Why a campaign may not start now on these numbers, or null: a number removed, or Meta's template
 * not approved there, or the campaign template's file not fitting its header. The scheduler asks it
 * when a scheduled campaign's time comes (decision 0050), as a launch and a resume are refused for it.
 */
export function startBlocker(options: { channelIds: string[]; channels: ChannelView[]; health: TemplateOnChannel[] }): { reason: string; details: Record<string, unknown> } | null {
  const present = new Set(options.channels.map((c) => c.id));
  const removed = options.channelIds.filter((id) => !present.has(id));
  if (removed.length > 0) return { reason: 'channel_removed', details: { channelIds: removed } };
  const channels = (list: TemplateOnChannel[]) =>
    list.map((t) => ({ channelId: t.channelId, channelName: t.channelName, name: t.name, language: t.language, status: t.status, ...(t.mediaProblem ? { mediaProblem: t.mediaProblem } : {}), ...(t.parameterProblem ? { parameterProblem: t.parameterProblem } : {}) }));
  const blocked = templateBlockers(options.health);
  if (blocked.length > 0) return { reason: blocked.some((t) => t.status === 'PAUSED') ? 'template_paused' : 'template_not_approved', details: { channels: channels(blocked) } };
  const mismatched = templateMediaBlockers(options.health);
  if (mismatched.length > 0) return { reason: mismatched[0]!.mediaProblem!, details: { channels: channels(mismatched) } };
  const unfit = templateParameterBlockers(options.health);
  if (unfit.length > 0) return { reason: unfit[0]!.parameterProblem!, details: { channels: channels(unfit) } };
  return null;
}
