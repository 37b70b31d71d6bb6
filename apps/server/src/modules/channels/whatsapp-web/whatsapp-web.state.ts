import type { SessionState } from './whatsapp-web.tables';

export type { SessionState };

/**
 * The session state machine (SPEC §1.4): INITIALIZING → QR_REQUIRED → READY, plus RECONNECTING,
 * DISCONNECTED, LOGGED_OUT and FAILED. Only these moves are allowed; anything else is a bug.
 */
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  INITIALIZING: ['QR_REQUIRED', 'READY', 'RECONNECTING', 'DISCONNECTED', 'LOGGED_OUT', 'FAILED'],
  // → INITIALIZING: the phone scanned the code and WhatsApp asks for a fresh connection.
  QR_REQUIRED: ['INITIALIZING', 'READY', 'RECONNECTING', 'DISCONNECTED', 'LOGGED_OUT', 'FAILED'],
  READY: ['INITIALIZING', 'RECONNECTING', 'DISCONNECTED', 'LOGGED_OUT', 'FAILED'],
  RECONNECTING: ['INITIALIZING', 'QR_REQUIRED', 'READY', 'DISCONNECTED', 'LOGGED_OUT', 'FAILED'],
  // Parked states leave only through a (re)start.
  DISCONNECTED: ['INITIALIZING'],
  LOGGED_OUT: ['INITIALIZING'],
  FAILED: ['INITIALIZING'],
};

export const canTransition = (from: SessionState, to: SessionState) => TRANSITIONS[from].includes(to);

export class InvalidTransition extends Error {
  constructor(from: SessionState, to: SessionState) {
    super(`WhatsApp Web session cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransition';
  }
}

export type RecommendedAction = 'none' | 'wait' | 'scan_qr' | 'restart' | 'relink';

/** The status contract the central hub consumes (SPEC §1.4), exactly these keys. */
export type SessionStatus = {
  state: SessionState;
  connected: boolean;
  can_send_messages: false;
  needs_qr: boolean;
  is_recoverable: boolean;
  recommended_action: RecommendedAction;
  qr: string | null;
  since: string;
};

const ACTIONS: Record<SessionState, RecommendedAction> = {
  INITIALIZING: 'wait',
  QR_REQUIRED: 'scan_qr',
  READY: 'none',
  RECONNECTING: 'wait',
  DISCONNECTED: 'restart',
  LOGGED_OUT: 'relink',
  FAILED: 'restart',
};

/**
 * `is_recoverable`: the session gets back to READY on its own or with the recommended action and
 * the existing link. False once the link is gone (LOGGED_OUT: a new QR must be scanned) or the
 * session gave up (FAILED).
 */
export function presentStatus(options: { state: SessionState; since: Date; qrDataUrl: string | null }): SessionStatus {
  const { state } = options;
  return {
    state,
    connected: state === 'READY',
    can_send_messages: false,
    needs_qr: state === 'QR_REQUIRED' || state === 'LOGGED_OUT',
    is_recoverable: state !== 'LOGGED_OUT' && state !== 'FAILED',
    recommended_action: ACTIONS[state],
    qr: state === 'QR_REQUIRED' ? options.qrDataUrl : null,
    since: options.since.toISOString(),
  };
}

/** Parked sessions wait for a person (a restart from the API); the others start with the worker. */
export const PARKED_STATES: readonly SessionState[] = ['DISCONNECTED', 'LOGGED_OUT'];
