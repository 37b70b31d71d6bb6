/**
 * The send gate (SPEC §1.3), one pure function: everything it needs is in its input, loaded in
 * bulk by the caller, so the plan and the engine (at send time) decide exactly alike.
 * Reasons are checked in this order and the first that applies is reported.
 */
export type SkipReason =
  | 'opted_out'
  | 'blacklisted'
  | 'no_consent'
  | 'invalid_phone'
  | 'not_validated'
  | 'below_threshold'
  | 'outside_window'
  | 'frequency_cap';

export type ConsentState = { channel: string; status: 'opted_in' | 'opted_out'; at: Date };

export type GateRecipient = {
  phoneE164: string | null;
  phoneValid: boolean;
  whatsapp: 'unknown' | 'yes' | 'no';
  blacklisted: boolean;
  validationStatus: 'pending' | 'approved' | 'rejected';
  validationExpiresAt: Date | null;
  contactability: number;
  /** Every current consent state of the contact (the consent ledger's latest decision per channel). */
  consent: ConsentState[];
  /** When the contact last wrote on the channel account it is to be sent on (WhatsApp's 24 h window). */
  lastInboundAt: Date | null;
  /** When another campaign last queued a message to the contact. */
  lastCampaignMessageAt: Date | null;
};

export type GateRules = {
  channelKind: string;
  requireValidated: boolean;
  minScore: number;
  frequencyCapDays: number | null;
  /** The template maps to an approved WhatsApp template (needed outside the 24 h window). */
  hasWhatsAppTemplate: boolean;
};

export type GateDecision = { send: true } | { send: false; reason: SkipReason };

const DAY_MS = 24 * 60 * 60 * 1000;
const WHATSAPP_WINDOW_MS = DAY_MS;

/** The consent ledger's channels that speak for a channel account of this kind ('any' speaks for all). */
export function consentChannelsFor(kind: string): string[] {
  switch (kind) {
    case 'whatsapp_cloud':
    case 'whatsapp_web':
      return ['whatsapp', 'any'];
    case 'bluebubbles':
      // iMessage first, SMS as its fallback: consent for either covers the line.
      return ['imessage', 'sms', 'any'];
    default:
      // The Sandbox stands in for any channel in demos and tests.
      return ['whatsapp', 'imessage', 'sms', 'any'];
  }
}

/**
 * Consent (decision 0014): of the states that cover the channel, the most recent decides.
 * Opted in → present; opted out → `opted_out`; nothing recorded → `no_consent`.
 */
export function consentOf(consent: ConsentState[], kind: string): 'present' | 'opted_out' | 'none' {
  const covering = consentChannelsFor(kind);
  let latest: ConsentState | null = null;
  for (const state of consent) {
    if (!covering.includes(state.channel)) continue;
    // On a tie an opt-out wins: when in doubt, do not send.
    if (!latest || state.at > latest.at || (state.at.getTime() === latest.at.getTime() && state.status === 'opted_out')) latest = state;
  }
  if (!latest) return 'none';
  return latest.status === 'opted_in' ? 'present' : 'opted_out';
}

export function evaluateGate(recipient: GateRecipient, rules: GateRules, now: Date): GateDecision {
  const consent = consentOf(recipient.consent, rules.channelKind);
  if (consent === 'opted_out') return { send: false, reason: 'opted_out' };
  if (recipient.blacklisted) return { send: false, reason: 'blacklisted' };
  if (consent === 'none') return { send: false, reason: 'no_consent' };
  const whatsapp = rules.channelKind === 'whatsapp_cloud';
  if (!recipient.phoneE164 || !recipient.phoneValid || (whatsapp && recipient.whatsapp === 'no')) return { send: false, reason: 'invalid_phone' };
  if (rules.requireValidated) {
    const expired = recipient.validationExpiresAt !== null && recipient.validationExpiresAt <= now;
    if (recipient.validationStatus !== 'approved' || expired) return { send: false, reason: 'not_validated' };
  }
  if (recipient.contactability < rules.minScore) return { send: false, reason: 'below_threshold' };
  if (whatsapp && !rules.hasWhatsAppTemplate) {
    const last = recipient.lastInboundAt?.getTime() ?? null;
    if (last === null || now.getTime() - last > WHATSAPP_WINDOW_MS) return { send: false, reason: 'outside_window' };
  }
  if (rules.frequencyCapDays && recipient.lastCampaignMessageAt) {
    if (now.getTime() - recipient.lastCampaignMessageAt.getTime() < rules.frequencyCapDays * DAY_MS) return { send: false, reason: 'frequency_cap' };
  }
  return { send: true };
}
