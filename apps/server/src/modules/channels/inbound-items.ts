import type { InboundMediaRef, MessageService } from './adapters/adapter';

/**
 * What a stored webhook says, in one shape for every provider. The channels module parses each
 * provider's payload into these items and emits them (`channels.inbound`, in the processing
 * transaction); the messaging module turns them into contacts, conversations and messages.
 */

/** Who wrote: every identity the provider gave, so one person stays one contact. */
export type InboundSender = {
  /** E.164 number when the provider gave one (WhatsApp `from`/wa_id, an iMessage phone handle). */
  phone: string | null;
  /** WhatsApp user id as given (`wa_id`, usually the number without +). */
  waId?: string | null;
  /** WhatsApp `@lid` identity, when the provider hides the number. */
  lid?: string | null;
  /** iMessage/SMS handle as given (a phone number or an e-mail address). */
  handle?: string | null;
  /** Display name the provider reported (WhatsApp profile name). */
  name?: string | null;
};

export type InboundMessageItem = {
  kind: 'message';
  /** The provider's message id (wamid, BlueBubbles guid): unique per channel, the dedupe key. */
  providerMessageId: string;
  /** 'inbound' from the contact; 'outbound' for a message the account's owner sent from the phone itself. */
  direction: 'inbound' | 'outbound';
  /** The contact's side of the conversation (the sender of an inbound, the recipient of an outbound echo). */
  from: InboundSender;
  service: MessageService;
  /** Provider chat id when it has one (BlueBubbles chat guid). */
  chat?: string | null;
  at: Date;
  type: 'text' | 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'location' | 'reaction' | 'button' | 'interactive' | 'unknown';
  text: string | null;
  media: InboundMediaRef | null;
  location?: { latitude: number; longitude: number; name: string | null; address: string | null } | null;
  reaction?: { providerMessageId: string; emoji: string | null } | null;
  /** The provider id of the message this one answers. */
  replyTo: string | null;
  /** For an outbound echo of a message LeadMaster sent: our message id (BlueBubbles tempGuid). */
  clientRef?: string | null;
};

export type InboundStatusItem = {
  kind: 'status';
  providerMessageId: string;
  /** Our message id when the provider echoes it (BlueBubbles tempGuid). */
  clientRef?: string | null;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** The service it went out on, when the provider says (iMessage vs SMS). */
  service?: MessageService | null;
  recipient: string | null;
  at: Date;
  error: { code: string; title: string; message: string | null } | null;
};

export type InboundTypingItem = { kind: 'typing'; from: InboundSender; chat?: string | null; on: boolean; at: Date };

/** Account-level news (number quality, messaging tier, template status): kept on the channel account. */
export type InboundAccountItem = { kind: 'account'; field: string; value: Record<string, unknown> };

/** Errors not tied to a message (WhatsApp `value.errors`). */
export type InboundErrorsItem = { kind: 'errors'; errors: { code: string; title: string; message: string | null }[] };

export type InboundItem = InboundMessageItem | InboundStatusItem | InboundTypingItem | InboundAccountItem | InboundErrorsItem;
