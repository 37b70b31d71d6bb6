import type { Logger } from '../../../platform/logger';
import type { InboundMessageItem } from '../inbound-items';

/**
 * The few things a WhatsApp Web session needs from a socket. The real one (baileys-socket.ts) is a
 * thin wrapper over Baileys; tests and the e2e demo drive the session with a scripted one, so the
 * state machine, persistence, backoff and health probe are exercised without a phone.
 */

/** Where the driver keeps the linked device's credentials: strings it serialises itself. */
export type WaAuthStore = {
  readCreds(): Promise<string | null>;
  writeCreds(serialised: string): Promise<void>;
  readKeys(type: string, ids: string[]): Promise<Record<string, string>>;
  /** A null value deletes the key. */
  writeKeys(entries: { type: string; id: string; value: string | null }[]): Promise<void>;
};

/** Why the connection closed, in the session's terms. */
export type WaCloseReason = {
  /** The phone unlinked this device (or WhatsApp did): the credentials are dead. */
  loggedOut: boolean;
  /** WhatsApp asks for an immediate new connection (right after pairing). */
  restartRequired: boolean;
  /** The QR codes of this connection ran out without being scanned. */
  qrExpired: boolean;
  /** Reconnecting will not help (bad session, forbidden, multi-device mismatch). */
  fatal: boolean;
  code: number | null;
  message: string;
};

/** One message read off the socket, already flattened from the protocol's shape. */
export type WaWebMessage = {
  id: string;
  /** The chat's JID (`5491144445555@s.whatsapp.net`, `12345@lid`, `…@g.us`). */
  chatJid: string;
  /** The other party's alternative JID when WhatsApp gives both (a phone JID for a `@lid` chat). */
  chatAltJid: string | null;
  fromMe: boolean;
  pushName: string | null;
  at: Date;
  type: InboundMessageItem['type'];
  text: string | null;
  media: InboundMessageItem['media'];
  replyTo: string | null;
  reaction: InboundMessageItem['reaction'];
  location: InboundMessageItem['location'];
};

export type WaAccount = { id: string; name: string | null };

export type WaSocketListener = {
  qr(qr: string): void;
  open(account: WaAccount): void;
  close(reason: WaCloseReason): void;
  messages(messages: WaWebMessage[]): void;
  /** Any frame arrived: evidence for the health probe that the connection is alive. */
  traffic(): void;
};

export interface WaSocket {
  /** A request the server must answer (WhatsApp's `w:p` ping); rejects or hangs when the link is dead. */
  ping(): Promise<void>;
  /** Which of these E.164 numbers (digits, with or without +) have WhatsApp. */
  onWhatsApp(numbers: string[]): Promise<{ number: string; exists: boolean; jid: string | null }[]>;
  /** Unlinks this device from the phone. */
  logout(): Promise<void>;
  /** Closes the connection without a close event. */
  end(): void;
}

export type WaSocketFactory = (options: { auth: WaAuthStore; listener: WaSocketListener; logger: Logger }) => Promise<WaSocket>;
