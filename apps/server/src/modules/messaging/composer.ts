import { and, eq, sql } from 'drizzle-orm';
import type { ChannelKind, ComposerRules, ComposerTemplate, TemplateMediaProblem } from '@leadmaster/contracts';
import type { Tx } from '../../platform/db/database';
import { AppError } from '../../platform/errors';
import { headerMediaProblem } from '../channels';
import { conversations } from './messaging.tables';
import { approvedTemplates, channelForComposer, cloudChannelsOf } from './messaging.repository';
import { equalsAny } from '../../platform/db/equals-any';

type ConversationRow = typeof conversations.$inferSelect;

/**
 * What each kind's adapter declares as `capabilities.sendMedia`, for the composer to offer an
 * attachment without building adapters (and decrypting secrets) on every look; a reply with a
 * file asks the channel's own adapter (conversations.service.ts).
 */
export const SENDS_MEDIA: Record<ChannelKind, boolean> = { sandbox: true, whatsapp_cloud: true, bluebubbles: true, whatsapp_web: false };

/** WhatsApp lets a business write free text only within 24 h of the contact's last message. */
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

const listenOnly = () =>
  new AppError('conflict', 'A WhatsApp Web number only listens: answer from a WhatsApp Cloud API number of the workspace (fromChannelId)', { reason: 'listen_only' });

/**
 * The channel a reply leaves from: the conversation's own, or — for a listen-only WhatsApp Web
 * conversation — the Cloud API number the person chose (the reply then lives in the contact's
 * conversation on that number, started if needed).
 */
export async function sendingChannel(tx: Tx, options: { tenantId: string; conversation: ConversationRow; fromChannelId?: string | undefined }): Promise<string> {
  const { tenantId, conversation, fromChannelId } = options;
  const own = await channelForComposer(tx, tenantId, conversation.channelId);
  if (!own) throw new AppError('conflict', 'The channel of this conversation was removed', { reason: 'channel_removed' });
  if (!fromChannelId || fromChannelId === conversation.channelId) {
    if (own.kind === 'whatsapp_web') throw listenOnly();
    return conversation.channelId;
  }
  const from = await channelForComposer(tx, tenantId, fromChannelId);
  if (!from || from.kind !== 'whatsapp_cloud' || own.kind !== 'whatsapp_web') {
    throw new AppError('validation_failed', 'Another number can answer only a WhatsApp Web conversation, and only from a WhatsApp Cloud API number', { fields: { fromChannelId: 'not a WhatsApp Cloud API channel of this workspace' } });
  }
  return from.id;
}

const HEADER_WORDS: Record<TemplateMediaProblem | 'template_header_unknown', (t: ComposerTemplate, mimeType: string | null) => string> = {
  template_header_needs_media: (t) => `The WhatsApp template "${t.name}" (${t.language}) has a ${t.headerFormat} header: attach the file to send with it`,
  template_header_takes_no_media: (t) => `The WhatsApp template "${t.name}" (${t.language}) has ${t.headerFormat ? `a ${t.headerFormat} header` : 'no header'} and takes no file: send it without one`,
  template_header_media_type: (t, mimeType) => `The WhatsApp template "${t.name}" (${t.language}) has a ${t.headerFormat} header, which cannot carry a ${mimeType} file${t.headerFormat === 'IMAGE' ? ' (JPEG or PNG only)' : ''}`,
  template_header_unknown: (t) => `LeadMaster does not know whether the WhatsApp template "${t.name}" (${t.language}) takes a file in its header: sync the number's templates on the channel screen, then send it again`,
};

/**
 * A template must be one of the channel's approved templates (as last synced from Meta), and the
 * reply's file must fit its header: a file for an IMAGE, VIDEO or DOCUMENT header (of that kind),
 * none otherwise, and the body's parameters as many as the template has. Meta would refuse the send
 * (132012, 132000) after the reply was queued: the person learns now, with the reason.
 */
export async function checkTemplate(tx: Tx, options: { tenantId: string; channelId: string; template: { name: string; language: string; parameters: string[]; headerParameters?: string[] }; mimeType: string | null }) {
  const { template, mimeType } = options;
  const channel = await channelForComposer(tx, options.tenantId, options.channelId);
  if (channel?.kind !== 'whatsapp_cloud') throw new AppError('validation_failed', 'Templates are sent only through a WhatsApp Cloud API number', { fields: { template: 'not a WhatsApp Cloud API channel' } });
  const found = approvedTemplates(channel.providerState).find((t) => t.name === template.name && t.language === template.language);
  if (!found) throw new AppError('validation_failed', 'Not an approved template of this number (sync the templates on the channel screen)', { fields: { template: 'unknown or not approved' } });
  // A list synced before LeadMaster read the components: a file is refused rather than guessed about.
  const problem = mimeType && found.headerFormat === undefined ? 'template_header_unknown' : headerMediaProblem(found.headerFormat, mimeType);
  if (problem) {
    const message = HEADER_WORDS[problem](found, mimeType);
    throw new AppError('validation_failed', message, { reason: problem, template: found.name, language: found.language, headerFormat: found.headerFormat ?? null, mimeType, fields: { media: message } });
  }
  if (found.bodyParameters !== undefined && found.bodyParameters !== template.parameters.length) {
    throw new AppError('validation_failed', `The WhatsApp template "${found.name}" (${found.language}) takes ${found.bodyParameters} body parameter(s), not ${template.parameters.length}`, {
      reason: 'template_parameter_count',
      template: found.name,
      language: found.language,
      expected: found.bodyParameters,
      received: template.parameters.length,
      fields: { 'template.parameters': `expected ${found.bodyParameters}` },
    });
  }
  // A TEXT header with a `{{1}}` takes its text; Meta refuses the send without it (132000).
  const headerGiven = template.headerParameters?.length ?? 0;
  if (found.headerParameters !== undefined && found.headerParameters !== headerGiven) {
    throw new AppError('validation_failed', `The WhatsApp template "${found.name}" (${found.language}) takes ${found.headerParameters} header parameter(s), not ${headerGiven}`, {
      reason: 'template_header_parameters',
      template: found.name,
      language: found.language,
      expected: found.headerParameters,
      received: headerGiven,
      fields: { 'template.headerParameters': `expected ${found.headerParameters}` },
    });
  }
}

/** A person answered: every inbound message so far counts as handled for the whole team. */
export async function markAnswered(tx: Tx, options: { tenantId: string; conversationIds: string[] }) {
  await tx
    .update(conversations)
    .set({ answeredSeq: sql`${conversations.inboundSeq}` })
    .where(and(eq(conversations.tenantId, options.tenantId), equalsAny(conversations.id, options.conversationIds), sql`${conversations.answeredSeq} < ${conversations.inboundSeq}`));
}

function windowOf(kind: string, lastInboundAt: Date | null, now: Date): { mode: 'text' | 'template'; windowClosesAt: string | null } {
  if (kind !== 'whatsapp_cloud') return { mode: 'text', windowClosesAt: null };
  const closes = lastInboundAt ? lastInboundAt.getTime() + WHATSAPP_WINDOW_MS : 0;
  return closes > now.getTime() ? { mode: 'text', windowClosesAt: new Date(closes).toISOString() } : { mode: 'template', windowClosesAt: null };
}

/** What the composer may send in a conversation now (the same rules `reply` enforces). */
export async function composerRules(tx: Tx, options: { tenantId: string; conversation: ConversationRow; now: Date }): Promise<ComposerRules> {
  const { tenantId, conversation, now } = options;
  const own = await channelForComposer(tx, tenantId, conversation.channelId);
  if (!own) return { mode: 'cannot_send', windowClosesAt: null, canSendMedia: false, templates: [], answerFrom: [] };
  if (own.kind !== 'whatsapp_web') {
    return { ...windowOf(own.kind, conversation.lastInboundAt, now), canSendMedia: SENDS_MEDIA[own.kind as ChannelKind] ?? false, templates: own.kind === 'whatsapp_cloud' ? approvedTemplates(own.providerState) : [], answerFrom: [] };
  }
  const clouds = await cloudChannelsOf(tx, tenantId);
  const theirs = clouds.length
    ? await tx
        .select({ channelId: conversations.channelId, lastInboundAt: conversations.lastInboundAt })
        .from(conversations)
        .where(and(eq(conversations.tenantId, tenantId), eq(conversations.contactId, conversation.contactId), equalsAny(conversations.channelId, clouds.map((c) => c.id))))
    : [];
  const answerFrom = clouds.map((c) => ({
    channelId: c.id,
    name: c.name,
    // The window is per business number: writing to the listener opened none on the Cloud number.
    ...windowOf('whatsapp_cloud', theirs.find((t) => t.channelId === c.id)?.lastInboundAt ?? null, now),
    canSendMedia: SENDS_MEDIA.whatsapp_cloud,
    templates: approvedTemplates(c.providerState),
  }));
  return { mode: answerFrom.length ? 'listen_only' : 'cannot_send', windowClosesAt: null, canSendMedia: false, templates: [], answerFrom };
}
