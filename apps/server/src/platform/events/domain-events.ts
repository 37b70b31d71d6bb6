import type { Tx } from '../db/database';

/**
 * Events between modules, in process and inside the emitter's transaction: a lower module
 * announces what happened ("contacts changed") and higher modules react in the same transaction
 * (scoring recomputes), so the reaction commits or rolls back with the change. Calls go down,
 * events go up: the emitter never imports its listeners.
 */
export type DomainEventMap = {
  /**
   * Contacts were created or edited (including consent, blacklist and validation changes).
   * `scored`: their scores were computed before they were written (`contacts.creating`), so there
   * is nothing to recompute.
   */
  'contacts.changed': { tenantId: string; contactIds: string[]; scored?: boolean };
  /**
   * New contacts are about to be inserted in bulk (an import batch). A listener fills in each one's
   * `scores` from its own columns, so the row is written once, with them, instead of inserted and
   * then updated; a contact left without scores is scored after the insert as any change is.
   */
  'contacts.creating': { tenantId: string; contacts: NewContactScoring[] };
  /** A whole tenant's contacts need recomputing (e.g. its scoring rules changed). */
  'contacts.rescore-all': { tenantId: string };
  /**
   * A channel learned whether a number is reachable on it: a WhatsApp Web `onWhatsApp` check, a
   * BlueBubbles iMessage availability check, or a provider error such as WhatsApp 131026.
   */
  'contacts.number-checked': { tenantId: string; contactId: string; channel: 'whatsapp' | 'imessage'; reachable: boolean; source: string };
  /** A message to a contact reached the device (delivered or read). */
  'messages.delivered': { tenantId: string; contactId: string; channel: string };
  /** A message to a contact failed, with the provider's code. */
  'messages.delivery-failed': { tenantId: string; contactId: string; channel: string; code: string };
  /**
   * A stored webhook was parsed: its items (messages, statuses, errors, account updates, in the
   * channel's own normalised shape) for the modules that turn them into conversations and messages.
   */
  'channels.inbound': { tenantId: string; channelId: string; kind: string; eventId: string; items: unknown[] };
  /**
   * The same for a whole batch of stored webhooks at once (a drain's batch, after each one's
   * `channels.inbound`), in the order they were received: for the modules that write set-based
   * (messaging turns a batch into contacts, conversations and messages in a few statements).
   */
  'channels.inbound-batch': { tenantId: string; events: { eventId: string; channelId: string; kind: string; items: unknown[] }[] };
  /**
   * A message LeadMaster sent moved on (sent, delivered, read, failed, ambiguous): what the
   * campaign ledger follows. `code` is the provider's error code for a failure.
   */
  'messages.status-changed': { tenantId: string; messageId: string; contactId: string; channelId: string; status: string; code: string | null; source: string };
  /** Many sent messages moved on at once (a drain's batch recorded in one statement): the same as one event per item. */
  'messages.statuses-changed': { tenantId: string; items: { messageId: string; contactId: string; channelId: string; status: string; code: string | null; source: string }[] };
  /**
   * A channel account's circuit breaker opened (its sends wait until `retryAt`) or closed again:
   * what a campaign sending on it shows.
   */
  'channels.breaker-changed': { tenantId: string; channelId: string; state: 'open' | 'closed' | 'half_open'; retryAt: Date | null; error: string | null };
  /**
   * Contacts wrote back (the inbound messages of a batch): for each reply, on which channel account,
   * the message id, and (when the provider said which message it answers) the id of our message it replies to.
   */
  'messages.replies-received': { tenantId: string; replies: { contactId: string; channel: string; at: Date; channelId: string; messageId: string; inReplyTo: string | null }[] };
};

/** A contact about to be created, as scoring reads it, with the slot its scores go in. */
export type NewContactScoring = {
  phoneValid: boolean;
  phoneType: string | null;
  email: string | null;
  website: string | null;
  company: string;
  firstName: string;
  lastName: string;
  source: string;
  tags: string[];
  attributes: Record<string, unknown>;
  blacklisted: boolean;
  /** Consent per channel recorded with the contact (an import's consent column). */
  consent: Record<string, 'opted_in' | 'opted_out'>;
  scores: { contactability: number; digitalMaturity: number; potential: number; details: unknown; at: Date } | null;
};

type Listener<K extends keyof DomainEventMap> = (tx: Tx, event: DomainEventMap[K]) => Promise<void>;

export class DomainEvents {
  private listeners = new Map<keyof DomainEventMap, Listener<any>[]>();

  on<K extends keyof DomainEventMap>(name: K, listener: Listener<K>): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  async emit<K extends keyof DomainEventMap>(tx: Tx, name: K, event: DomainEventMap[K]): Promise<void> {
    for (const listener of this.listeners.get(name) ?? []) await listener(tx, event);
  }
}
