import type { ChannelKind } from '../channels.tables';
import type { ErrorAction } from '../whatsapp-cloud/payload';

/**
 * The one interface every channel adapter implements. The messaging module sends through it and
 * never knows which provider is behind; the channels module builds an adapter from a channel
 * account (settings + decrypted secrets) with `channels.adapterFor(tenantId, channelId)`.
 */

/** What a channel can do; the UI and the senders consult it before trying. */
export type ChannelCapabilities = {
  sendText: boolean;
  sendMedia: boolean;
  templates: boolean;
  typing: boolean;
  readReceipts: boolean;
  /** Can tell whether a number is reachable on the channel (WhatsApp Web's checkOnWhatsApp, iMessage availability). */
  reachabilityCheck: boolean;
  receive: boolean;
};

/** The service a message actually travelled on (BlueBubbles may fall back from iMessage to SMS). */
export type MessageService = 'whatsapp' | 'imessage' | 'sms' | 'sandbox';

export type OutboundMedia = { data: Buffer; mimeType: string; fileName: string; voice?: boolean };

export type OutboundContent =
  | { type: 'text'; body: string }
  | { type: 'media'; media: OutboundMedia; caption?: string | null }
  /** `headerMedia`: the file of a template whose header is an image, a video or a document (WhatsApp). */
  | { type: 'template'; template: { name: string; language: string; parameters: string[]; headerParameters?: string[] }; headerMedia?: OutboundMedia | null };

export type OutboundSend = {
  /**
   * LeadMaster's own message id. Adapters pass it where the provider lets a retry be recognised
   * (BlueBubbles `tempGuid`, the Sandbox's ledger) so a resend of the same message is not a second message.
   */
  messageId: string;
  to: {
    /** E.164 number, when the contact has one. */
    phoneE164: string | null;
    /** A provider address when it differs from the number (an iMessage e-mail handle, a wa_id). */
    address?: string | null;
  };
  content: OutboundContent;
};

export type SendReceipt = { providerMessageId: string; service: MessageService };

/**
 * A send that did not go through. `ambiguous` means the request may have reached the provider (a
 * timeout or a dropped connection after the body was sent): the message must not be blindly resent;
 * it is reconciled from status webhooks. `action` tells the campaign engine what to do (SPEC §1.5).
 */
export class ChannelSendError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly ambiguous: boolean;
  readonly action: ErrorAction['action'];
  readonly retryAfterSeconds: number | null;
  /**
   * Nothing was sent: the channel is holding its sends back (its circuit breaker is open, a line's
   * daily cap is spent). The message waits `retryAfterSeconds` and this does not count as an attempt.
   */
  readonly deferred: boolean;
  constructor(options: { message: string; code: string; retryable: boolean; ambiguous?: boolean; deferred?: boolean; action?: ErrorAction['action']; retryAfterSeconds?: number | null }) {
    super(options.message);
    this.name = 'ChannelSendError';
    this.code = options.code;
    this.retryable = options.retryable;
    this.ambiguous = options.ambiguous ?? false;
    this.action = options.action ?? (options.retryable ? 'backoff' : 'fail');
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.deferred = options.deferred ?? false;
  }
}

/** A reference to media held by the provider, as an inbound item carries it. */
export type InboundMediaRef = {
  /** Provider id (WhatsApp media id, BlueBubbles attachment guid). */
  providerMediaId: string;
  mimeType: string | null;
  fileName: string | null;
  caption: string | null;
  voice: boolean;
  sha256?: string | null;
};

export interface ChannelAdapter {
  readonly kind: ChannelKind;
  readonly capabilities: ChannelCapabilities;
  /** Sends one message. Throws ChannelSendError. */
  send(message: OutboundSend, options?: { signal?: AbortSignal }): Promise<SendReceipt>;
  /** Checks the credentials and the provider's reachability; answers what it learned (display name, number, server version…). */
  testConnection(): Promise<Record<string, unknown>>;
  /** Downloads inbound media through the guarded fetcher. */
  downloadMedia?(ref: InboundMediaRef): Promise<{ data: Buffer; mimeType: string }>;
  markRead?(options: { providerMessageId: string; chat?: string | null }): Promise<void>;
  typing?(options: { to: OutboundSend['to']; on: boolean }): Promise<void>;
}
