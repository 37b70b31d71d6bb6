import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InboundItem, InboundMessageItem, InboundSender } from '../inbound-items';
import type { MessageService } from '../adapters/adapter';
import { findUnstorableText, MalformedPayload } from '../whatsapp-cloud/payload';

/**
 * BlueBubbles server events (its webhooks, and messages its REST API answers to the
 * reconciliation poll) in the shape every channel shares. A webhook is `{type, data}`:
 * `new-message` and `updated-message` carry a message (`guid`, `text`, `handle`, `isFromMe`,
 * `dateCreated`/`dateDelivered`/`dateRead` in ms, `attachments`, `chats`, and `tempGuid` on the
 * echo of a message sent through the API); `typing-indicator` carries `{display, guid}`.
 */
const Handle = z.object({ address: z.string(), service: z.string().optional() }).loose();
const Attachment = z.object({ guid: z.string(), mimeType: z.string().nullish(), transferName: z.string().nullish(), totalBytes: z.number().nullish() }).loose();
export const BlueBubblesMessage = z
  .object({
    guid: z.string().min(1),
    tempGuid: z.string().nullish(),
    text: z.string().nullish(),
    subject: z.string().nullish(),
    handle: Handle.nullish(),
    isFromMe: z.boolean().default(false),
    dateCreated: z.number(),
    dateDelivered: z.number().nullish(),
    dateRead: z.number().nullish(),
    error: z.number().nullish(),
    isAudioMessage: z.boolean().nullish(),
    attachments: z.array(Attachment).nullish(),
    chats: z.array(z.object({ guid: z.string(), chatIdentifier: z.string().nullish() }).loose()).nullish(),
    associatedMessageGuid: z.string().nullish(),
    associatedMessageType: z.union([z.string(), z.number()]).nullish(),
    threadOriginatorGuid: z.string().nullish(),
  })
  .loose();
export type BlueBubblesMessage = z.infer<typeof BlueBubblesMessage>;

const Envelope = z.object({ type: z.string().min(1), data: z.unknown() });
const Typing = z.object({ display: z.boolean(), guid: z.string() }).loose();

/** Tapbacks as BlueBubbles names them (2000–2005 in the Messages database). */
const TAPBACKS: Record<string, string> = { love: '❤️', like: '👍', dislike: '👎', laugh: '😂', emphasize: '‼️', question: '❓', '2000': '❤️', '2001': '👍', '2002': '👎', '2003': '😂', '2004': '‼️', '2005': '❓' };

export const serviceOfChat = (chatGuid: string | null | undefined): MessageService => (/^(SMS|RCS);/i.test(chatGuid ?? '') ? 'sms' : 'imessage');

/** A handle as an identity: a phone handle also gives the E.164 number; an e-mail handle does not. */
export function senderOf(address: string): InboundSender {
  const digits = address.replace(/[\s().-]/g, '');
  const phone = /^\+?\d{7,15}$/.test(digits) ? `+${digits.replace(/^\+/, '')}` : null;
  return { phone, handle: address };
}

const chatAddress = (chatGuid: string) => chatGuid.split(';').at(-1) ?? chatGuid;

/**
 * The provider event id under which an event is stored: one row per message (`new-message:<guid>`)
 * whether the webhook or the poll saw it first, and one per state of an update (delivered, then read).
 */
export function blueBubblesEventKey(type: unknown, data: unknown, rawBody: Buffer): string {
  const m = (data ?? {}) as { guid?: unknown; dateDelivered?: unknown; dateRead?: unknown; error?: unknown };
  // A guid PostgreSQL text cannot hold (U+0000) would fail the insert: such an event goes by its bytes' hash.
  const guid = typeof m.guid === 'string' && m.guid.length > 0 && m.guid.length <= 200 && !m.guid.includes('\u0000') ? m.guid : null;
  if (type === 'new-message' && guid) return `new-message:${guid}`;
  if (type === 'updated-message' && guid) return `updated-message:${guid}:${Number(m.dateDelivered) || 0}:${Number(m.dateRead) || 0}:${Number(m.error) || 0}`;
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

function mediaType(mime: string | null | undefined): InboundMessageItem['type'] {
  if (!mime) return 'document';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'document';
}

function messageItems(m: BlueBubblesMessage): InboundItem[] {
  const chat = m.chats?.[0]?.guid ?? null;
  const service: MessageService = m.handle?.service ? (/^(SMS|RCS)$/i.test(m.handle.service) ? 'sms' : 'imessage') : serviceOfChat(chat);
  const address = m.handle?.address ?? (chat ? chatAddress(chat) : null);
  const at = new Date(m.dateCreated);
  // The echo of a message LeadMaster sent through the API: a status of our message, not a new one.
  if (m.isFromMe && m.tempGuid) {
    return [{ kind: 'status', providerMessageId: m.guid, clientRef: m.tempGuid, status: m.error ? 'failed' : 'sent', service, recipient: address, at, error: m.error ? { code: String(m.error), title: 'BlueBubbles send error', message: null } : null }];
  }
  if (!address) return [];
  const attachment = m.attachments?.[0];
  const tapback = m.associatedMessageGuid && m.associatedMessageType != null ? TAPBACKS[String(m.associatedMessageType)] : undefined;
  const item: InboundMessageItem = {
    kind: 'message',
    providerMessageId: m.guid,
    direction: m.isFromMe ? 'outbound' : 'inbound',
    from: senderOf(address),
    service,
    chat,
    at,
    type: tapback ? 'reaction' : attachment ? mediaType(attachment.mimeType) : 'text',
    text: m.text ?? null,
    media: attachment
      ? { providerMediaId: attachment.guid, mimeType: attachment.mimeType ?? null, fileName: attachment.transferName ?? null, caption: m.text ?? null, voice: m.isAudioMessage === true }
      : null,
    reaction: tapback ? { providerMessageId: m.associatedMessageGuid!.replace(/^p:\d+\//, '').replace(/^bp:/, ''), emoji: tapback } : null,
    replyTo: m.threadOriginatorGuid ?? null,
  };
  return [item];
}

function updateItems(m: BlueBubblesMessage): InboundItem[] {
  // Only our own messages have delivery states worth following.
  if (!m.isFromMe) return [];
  const chat = m.chats?.[0]?.guid ?? null;
  const base = { kind: 'status' as const, providerMessageId: m.guid, clientRef: m.tempGuid ?? null, service: serviceOfChat(chat), recipient: m.handle?.address ?? (chat ? chatAddress(chat) : null) };
  if (m.error) return [{ ...base, status: 'failed', at: new Date(m.dateCreated), error: { code: String(m.error), title: 'BlueBubbles send error', message: null } }];
  if (m.dateRead) return [{ ...base, status: 'read', at: new Date(m.dateRead), error: null }];
  if (m.dateDelivered) return [{ ...base, status: 'delivered', at: new Date(m.dateDelivered), error: null }];
  return [];
}

/** Parses a stored BlueBubbles event. Throws MalformedPayload for bytes that are not one. */
export function parseBlueBubblesEvent(rawBody: Buffer, receivedAt: Date = new Date()): InboundItem[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch (err) {
    throw new MalformedPayload(`not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  const bad = findUnstorableText(json);
  if (bad) throw new MalformedPayload(bad);
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) throw new MalformedPayload('not a BlueBubbles event: expected {type, data}');
  const { type, data } = envelope.data;
  switch (type) {
    case 'new-message':
    case 'updated-message': {
      const m = BlueBubblesMessage.safeParse(data);
      if (!m.success) throw new MalformedPayload(`not a BlueBubbles message: ${m.error.issues[0]?.path.join('.')} ${m.error.issues[0]?.message}`);
      return type === 'new-message' ? messageItems(m.data) : updateItems(m.data);
    }
    case 'typing-indicator': {
      const t = Typing.safeParse(data);
      if (!t.success) throw new MalformedPayload('not a BlueBubbles typing indicator');
      return [{ kind: 'typing', from: senderOf(chatAddress(t.data.guid)), chat: t.data.guid, on: t.data.display, at: receivedAt }];
    }
    default:
      // Group renames, participant changes, server updates…: nothing LeadMaster acts on.
      return [];
  }
}
