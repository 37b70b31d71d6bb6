import type { TemplateOnChannel } from '@leadmaster/contracts';
import type { WhatsAppTemplateMapping } from './campaigns.tables';

/** Reasons a campaign was paused for its WhatsApp template (webhook, claim-time check, or Meta's error codes). */
export const TEMPLATE_PAUSE_REASONS = new Set(['template_paused', 'template_disabled', 'provider_error_132015', 'provider_error_132016']);

type ChannelView = { id: string; kind: string; name?: string; providerState: Record<string, unknown> };
type KeptTemplates = { syncedAt?: string | null; items?: { name: string; language: string; status: string }[] };

/**
 * Where Meta stands on a campaign's WhatsApp template on each of its Cloud API numbers, read from
 * the number's template list (kept by syncs and by the status webhooks, channels/template-status.ts).
 * `status` is Meta's (`APPROVED`, `PAUSED`, `DISABLED`, `REJECTED`, `PENDING`…), `MISSING` when the
 * list was synced and has no such template, null when nothing is known (never synced): an unknown
 * status does not block a launch (decision 0030), Meta's own error codes still pause the campaign.
 */
export function templateOnChannels(channels: ChannelView[], mapping: WhatsAppTemplateMapping | null): TemplateOnChannel[] {
  if (!mapping) return [];
  return channels
    .filter((c) => c.kind === 'whatsapp_cloud')
    .map((c) => {
      const kept = c.providerState.templates as KeptTemplates | undefined;
      const hit = kept?.items?.find((t) => t.name === mapping.name && t.language === mapping.language);
      const status = hit?.status ?? (kept?.syncedAt ? 'MISSING' : null);
      return { channelId: c.id, channelName: c.name ?? null, name: mapping.name, language: mapping.language, status };
    });
}

/** The numbers on which the template is known not to send (a launch or resume is refused). */
export function templateBlockers(on: TemplateOnChannel[]): TemplateOnChannel[] {
  return on.filter((t) => t.status !== null && t.status !== 'APPROVED');
}
