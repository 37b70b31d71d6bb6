import type { InboundItem, InboundMessageItem, InboundSender } from '../inbound-items';
import type { WaWebMessage } from './socket';

/** Chats a listener on a person's number does not turn into conversations: status updates, groups, channels. */
const SKIPPED = /@(g\.us|broadcast|newsletter)$/;

/** `5491144445555:12@s.whatsapp.net` → its user part without the device suffix. */
const userOf = (jid: string) => jid.split('@')[0]!.split(':')[0]!;

/** Who the chat is with: a `@lid` identity, a phone JID, or both when WhatsApp gives the alternative. */
export function senderOf(message: Pick<WaWebMessage, 'chatJid' | 'chatAltJid' | 'pushName' | 'fromMe'>): InboundSender {
  const sender: InboundSender = { phone: null, waId: null, lid: null, name: message.fromMe ? null : message.pushName };
  for (const jid of [message.chatJid, message.chatAltJid]) {
    if (!jid) continue;
    if (jid.endsWith('@lid')) sender.lid = `${userOf(jid)}@lid`;
    else if (jid.endsWith('@s.whatsapp.net') && /^\d{6,15}$/.test(userOf(jid))) {
      sender.waId = userOf(jid);
      sender.phone = `+${userOf(jid)}`;
    }
  }
  return sender;
}

/** The items of one message, in the channels module's one shape; none for chats we do not follow. */
export function toInboundItems(message: WaWebMessage): InboundMessageItem[] {
  if (message.chatJid === 'status@broadcast' || SKIPPED.test(message.chatJid)) return [];
  const from = senderOf(message);
  if (!from.phone && !from.lid) return [];
  return [
    {
      kind: 'message',
      providerMessageId: message.id,
      direction: message.fromMe ? 'outbound' : 'inbound',
      from,
      service: 'whatsapp',
      chat: message.chatJid,
      at: message.at,
      type: message.type,
      text: message.text,
      media: message.media,
      location: message.location,
      reaction: message.reaction,
      replyTo: message.replyTo,
    },
  ];
}

/** What is stored for one message: a small JSON document, processed from the store like a webhook. */
export const encodeStoredEvent = (items: InboundItem[]) => Buffer.from(JSON.stringify({ source: 'whatsapp_web', v: 1, items }), 'utf8');

/** Reads a stored WhatsApp Web event back; throws on anything else (the processor dead-letters it). */
export function parseStoredEvent(body: Buffer): InboundItem[] {
  const doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as { source?: string; v?: number; items?: unknown };
  if (doc?.source !== 'whatsapp_web' || doc.v !== 1 || !Array.isArray(doc.items)) throw new Error('not a stored WhatsApp Web event');
  return (doc.items as (InboundItem & { at?: string })[]).map((item) => ('at' in item && typeof item.at === 'string' ? { ...item, at: new Date(item.at) } : item)) as InboundItem[];
}
