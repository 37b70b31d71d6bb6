import { z } from 'zod';
import type { InboundItem } from '../inbound-items';

/**
 * Meta's `whatsapp_business_account` webhook, reduced to what LeadMaster acts on. The shapes follow
 * the messages webhook reference (object → entry[] → changes[] → { field, value }); unknown fields
 * and message types pass through as `unknown` rather than failing the whole delivery.
 */
export type WaMedia = { id: string; mimeType: string | null; sha256: string | null; caption: string | null; filename: string | null; voice: boolean };

export type WaInbound =
  | {
      kind: 'message';
      phoneNumberId: string;
      messageId: string;
      from: string;
      profileName: string | null;
      at: Date;
      type: 'text' | 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'location' | 'reaction' | 'button' | 'interactive' | 'unknown';
      text: string | null;
      media: WaMedia | null;
      location: { latitude: number; longitude: number; name: string | null; address: string | null } | null;
      reaction: { messageId: string; emoji: string | null } | null;
      replyTo: string | null;
    }
  | {
      kind: 'status';
      phoneNumberId: string;
      messageId: string;
      recipient: string;
      status: 'sent' | 'delivered' | 'read' | 'failed';
      at: Date;
      errors: WaError[];
    }
  | { kind: 'errors'; phoneNumberId: string | null; errors: WaError[] }
  | { kind: 'account'; field: 'phone_number_quality_update' | 'business_capability_update' | 'message_template_status_update'; value: Record<string, unknown> };

export type WaError = { code: string; title: string; message: string | null };

const ErrorSchema = z.object({ code: z.union([z.number(), z.string()]), title: z.string().optional(), message: z.string().optional(), error_data: z.object({ details: z.string().optional() }).optional() });
const toErrors = (errors: z.infer<typeof ErrorSchema>[] | undefined): WaError[] =>
  (errors ?? []).map((e) => ({ code: String(e.code), title: e.title ?? '', message: e.error_data?.details ?? e.message ?? null }));

const MediaSchema = z.object({ id: z.string(), mime_type: z.string().optional(), sha256: z.string().optional(), caption: z.string().optional(), filename: z.string().optional(), voice: z.boolean().optional() });
const MessageSchema = z
  .object({
    from: z.string(),
    id: z.string(),
    timestamp: z.string(),
    type: z.string(),
    text: z.object({ body: z.string() }).optional(),
    image: MediaSchema.optional(),
    audio: MediaSchema.optional(),
    video: MediaSchema.optional(),
    document: MediaSchema.optional(),
    sticker: MediaSchema.optional(),
    location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() }).optional(),
    reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }).optional(),
    button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
    interactive: z.object({ button_reply: z.object({ title: z.string() }).optional(), list_reply: z.object({ title: z.string() }).optional() }).loose().optional(),
    context: z.object({ id: z.string().optional() }).loose().optional(),
  })
  .loose();
const StatusSchema = z
  .object({ id: z.string(), status: z.string(), timestamp: z.string(), recipient_id: z.string(), errors: z.array(ErrorSchema).optional() })
  .loose();
const ValueSchema = z
  .object({
    metadata: z.object({ phone_number_id: z.string() }).loose().optional(),
    contacts: z.array(z.object({ wa_id: z.string().optional(), profile: z.object({ name: z.string().optional() }).optional() }).loose()).optional(),
    messages: z.array(MessageSchema).optional(),
    statuses: z.array(StatusSchema).optional(),
    errors: z.array(ErrorSchema).optional(),
  })
  .loose();
const PayloadSchema = z.object({
  object: z.string(),
  entry: z.array(z.object({ id: z.string().optional(), changes: z.array(z.object({ field: z.string(), value: z.unknown() })).default([]) }).loose()),
});

const ACCOUNT_FIELDS = new Set(['phone_number_quality_update', 'business_capability_update', 'message_template_status_update']);
const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;
const STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);
const at = (seconds: string) => new Date(Number(seconds) * 1000);

export class MalformedPayload extends Error {}

/** Parses a signed webhook body. Throws MalformedPayload for bytes that are not a WhatsApp payload. */
export function parseWhatsAppWebhook(rawBody: Buffer): WaInbound[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch (err) {
    throw new MalformedPayload(`not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  const bad = findUnstorableText(json);
  if (bad) throw new MalformedPayload(bad);
  const payload = PayloadSchema.safeParse(json);
  if (!payload.success) throw new MalformedPayload(`not a WhatsApp webhook: ${payload.error.issues[0]?.message ?? 'unexpected shape'}`);
  const out: WaInbound[] = [];
  for (const entry of payload.data.entry) {
    for (const change of entry.changes) {
      if (ACCOUNT_FIELDS.has(change.field)) {
        out.push({ kind: 'account', field: change.field as never, value: (change.value ?? {}) as Record<string, unknown> });
        continue;
      }
      if (change.field !== 'messages') continue;
      const value = ValueSchema.safeParse(change.value);
      if (!value.success) throw new MalformedPayload(`messages change: ${value.error.issues[0]?.message}`);
      const v = value.data;
      const phoneNumberId = v.metadata?.phone_number_id ?? null;
      if (v.errors?.length) out.push({ kind: 'errors', phoneNumberId, errors: toErrors(v.errors) });
      if (!phoneNumberId) continue;
      const names = new Map((v.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const m of v.messages ?? []) {
        const mediaType = MEDIA_TYPES.find((t) => m.type === t && m[t]);
        const media = mediaType ? m[mediaType]! : null;
        const known = ['text', 'location', 'reaction', 'button', 'interactive', ...MEDIA_TYPES] as const;
        const type = (known as readonly string[]).includes(m.type) ? (m.type as (typeof known)[number]) : 'unknown';
        out.push({
          kind: 'message',
          phoneNumberId,
          messageId: m.id,
          from: m.from,
          profileName: names.get(m.from) ?? null,
          at: at(m.timestamp),
          type,
          text: m.text?.body ?? media?.caption ?? m.button?.text ?? m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title ?? null,
          media: media
            ? { id: media.id, mimeType: media.mime_type ?? null, sha256: media.sha256 ?? null, caption: media.caption ?? null, filename: media.filename ?? null, voice: media.voice ?? false }
            : null,
          location: m.location ? { latitude: m.location.latitude, longitude: m.location.longitude, name: m.location.name ?? null, address: m.location.address ?? null } : null,
          reaction: m.reaction ? { messageId: m.reaction.message_id, emoji: m.reaction.emoji ?? null } : null,
          replyTo: m.context?.id ?? null,
        });
      }
      for (const s of v.statuses ?? []) {
        if (!STATUSES.has(s.status)) continue;
        out.push({ kind: 'status', phoneNumberId, messageId: s.id, recipient: s.recipient_id, status: s.status as never, at: at(s.timestamp), errors: toErrors(s.errors) });
      }
    }
  }
  return out;
}

/** PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate is not a character: refuse both. */
export function findUnstorableText(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'contains a NUL character (\\u0000)';
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) return 'contains a lone surrogate';
    return null;
  }
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = findUnstorableText(v);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = findUnstorableText(k) ?? findUnstorableText(v);
      if (bad) return bad;
    }
  }
  return null;
}

/** Later states win: a `delivered` arriving after `read` changes nothing; `failed` is final. */
export const STATUS_RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

export type ErrorAction = {
  action: 'backoff' | 'pace_recipient' | 'cooldown_recipient' | 'pause_campaign' | 'not_on_whatsapp' | 'needs_template' | 'fail';
  retryable: boolean;
  cooldownHours?: number;
  description: string;
};

/** What the campaign engine does about each WhatsApp Cloud API error code (SPEC §1.5). */
export const WHATSAPP_ERROR_ACTIONS: Record<string, ErrorAction> = {
  '130429': { action: 'backoff', retryable: true, description: 'Throughput limit reached: slow down and retry' },
  '131056': { action: 'pace_recipient', retryable: true, description: 'Too many messages to this recipient: space them out' },
  '131049': { action: 'cooldown_recipient', retryable: false, cooldownHours: 24, description: 'Meta limited marketing messages to this user: wait at least 24 h' },
  '131048': { action: 'pause_campaign', retryable: false, description: 'Spam rate limit hit: pause the campaign and review' },
  '131026': { action: 'not_on_whatsapp', retryable: false, description: 'Undeliverable: the number is not on WhatsApp (or cannot receive)' },
  '131047': { action: 'needs_template', retryable: false, description: 'More than 24 h since the customer wrote: only a template can be sent' },
  // Every further send on the number would fail the same way: stop and tell a person.
  '132015': { action: 'pause_campaign', retryable: false, description: 'The template is paused for low quality: pause the campaign and review it' },
  '132016': { action: 'pause_campaign', retryable: false, description: 'The template was disabled: pause the campaign and choose another' },
  // The template no longer fits what the campaign sends (Meta changed it after the launch): every
  // further send of it fails alike until a person fixes the mapping or the file (decision 0050).
  '132000': { action: 'pause_campaign', retryable: false, description: "The template's parameter count does not match: pause the campaign and fix its mapping" },
  '132012': { action: 'pause_campaign', retryable: false, description: "The template's parameter format (its header) does not match: pause the campaign and fix its file or mapping" },
  '131042': { action: 'pause_campaign', retryable: false, description: 'Business payment issue on the WhatsApp account: fix billing in Meta' },
  '190': { action: 'pause_campaign', retryable: false, description: 'The access token expired or was revoked: reconnect the channel' },
};

export function errorAction(code: string | number): ErrorAction {
  return WHATSAPP_ERROR_ACTIONS[String(code)] ?? { action: 'fail', retryable: false, description: 'Failed: see the provider error' };
}

/** The parsed webhook in the shape every channel shares (see inbound-items.ts). */
export function toInboundItems(items: WaInbound[]): InboundItem[] {
  return items.map((i): InboundItem => {
    switch (i.kind) {
      case 'message':
        return {
          kind: 'message',
          providerMessageId: i.messageId,
          direction: 'inbound',
          from: { phone: `+${i.from.replace(/^\+/, '')}`, waId: i.from, name: i.profileName },
          service: 'whatsapp',
          at: i.at,
          type: i.type,
          text: i.text,
          media: i.media
            ? { providerMediaId: i.media.id, mimeType: i.media.mimeType, fileName: i.media.filename, caption: i.media.caption, voice: i.media.voice, sha256: i.media.sha256 }
            : null,
          location: i.location,
          reaction: i.reaction ? { providerMessageId: i.reaction.messageId, emoji: i.reaction.emoji } : null,
          replyTo: i.replyTo,
        };
      case 'status':
        return { kind: 'status', providerMessageId: i.messageId, status: i.status, service: 'whatsapp', recipient: i.recipient, at: i.at, error: i.errors[0] ?? null };
      case 'errors':
        return { kind: 'errors', errors: i.errors };
      case 'account':
        return { kind: 'account', field: i.field, value: i.value };
    }
  });
}
