import { describe, expect, it } from 'vitest';
import { consentOf, evaluateGate, type GateRecipient, type GateRules } from './gate';
import { nextState } from './campaign-state';
import { nextOpening, openTimeWalker, recipientTimeZone } from './send-window';

const now = new Date('2026-11-23T15:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const good: GateRecipient = {
  phoneE164: '+5491144445555',
  phoneValid: true,
  whatsapp: 'yes',
  blacklisted: false,
  validationStatus: 'approved',
  validationExpiresAt: null,
  contactability: 85,
  consent: [{ channel: 'whatsapp', status: 'opted_in', at: hoursAgo(100) }],
  lastInboundAt: hoursAgo(2),
  lastCampaignMessageAt: null,
};
const rules: GateRules = { channelKind: 'whatsapp_cloud', requireValidated: true, minScore: 70, frequencyCapDays: 7, hasWhatsAppTemplate: false };
const gate = (r: Partial<GateRecipient> = {}, g: Partial<GateRules> = {}) => evaluateGate({ ...good, ...r }, { ...rules, ...g }, now);

describe('the send gate', () => {
  it('lets through a consented, valid, validated, well-scored contact inside the window', () => {
    expect(gate()).toEqual({ send: true });
  });

  it('skips a contact with no consent for the channel (no_consent)', () => {
    expect(gate({ consent: [] })).toEqual({ send: false, reason: 'no_consent' });
    // Consent for iMessage does not speak for WhatsApp.
    expect(gate({ consent: [{ channel: 'imessage', status: 'opted_in', at: hoursAgo(1) }] })).toEqual({ send: false, reason: 'no_consent' });
    // Consent for 'any' does.
    expect(gate({ consent: [{ channel: 'any', status: 'opted_in', at: hoursAgo(1) }] })).toEqual({ send: true });
  });

  it('skips a contact who opted out after opting in (opted_out)', () => {
    expect(gate({ consent: [{ channel: 'whatsapp', status: 'opted_in', at: hoursAgo(100) }, { channel: 'any', status: 'opted_out', at: hoursAgo(1) }] })).toEqual({ send: false, reason: 'opted_out' });
    // A later opt-in for the channel answers an older opt-out.
    expect(consentOf([{ channel: 'any', status: 'opted_out', at: hoursAgo(100) }, { channel: 'whatsapp', status: 'opted_in', at: hoursAgo(1) }], 'whatsapp_cloud')).toBe('present');
  });

  it('skips a blacklisted number (blacklisted)', () => {
    expect(gate({ blacklisted: true })).toEqual({ send: false, reason: 'blacklisted' });
  });

  it('skips a missing, invalid or not-on-WhatsApp number (invalid_phone)', () => {
    expect(gate({ phoneE164: null })).toEqual({ send: false, reason: 'invalid_phone' });
    expect(gate({ phoneValid: false })).toEqual({ send: false, reason: 'invalid_phone' });
    expect(gate({ whatsapp: 'no' })).toEqual({ send: false, reason: 'invalid_phone' });
    expect(gate({ whatsapp: 'no' }, { channelKind: 'bluebubbles' })).toEqual({ send: false, reason: 'no_consent' });
  });

  it('skips an unvalidated or expired validation when the campaign requires it (not_validated)', () => {
    expect(gate({ validationStatus: 'pending' })).toEqual({ send: false, reason: 'not_validated' });
    expect(gate({ validationExpiresAt: hoursAgo(1) })).toEqual({ send: false, reason: 'not_validated' });
    expect(gate({ validationStatus: 'pending' }, { requireValidated: false })).toEqual({ send: true });
  });

  it('skips a contactability under the threshold (below_threshold)', () => {
    expect(gate({ contactability: 69 })).toEqual({ send: false, reason: 'below_threshold' });
    expect(gate({ contactability: 70 })).toEqual({ send: true });
  });

  it('skips WhatsApp free text outside the 24 h window when no template is mapped (outside_window)', () => {
    expect(gate({ lastInboundAt: hoursAgo(25) })).toEqual({ send: false, reason: 'outside_window' });
    expect(gate({ lastInboundAt: null })).toEqual({ send: false, reason: 'outside_window' });
    expect(gate({ lastInboundAt: null }, { hasWhatsAppTemplate: true })).toEqual({ send: true });
    expect(gate({ lastInboundAt: null, consent: [{ channel: 'sms', status: 'opted_in', at: hoursAgo(1) }] }, { channelKind: 'bluebubbles' })).toEqual({ send: true });
  });

  it('skips a contact another campaign messaged within the frequency cap (frequency_cap)', () => {
    expect(gate({ lastCampaignMessageAt: hoursAgo(24 * 6) })).toEqual({ send: false, reason: 'frequency_cap' });
    expect(gate({ lastCampaignMessageAt: hoursAgo(24 * 8) })).toEqual({ send: true });
    expect(gate({ lastCampaignMessageAt: hoursAgo(1) }, { frequencyCapDays: null })).toEqual({ send: true });
  });
});

describe('campaign states', () => {
  it('accepts only the transitions of draft → scheduled → running ⇄ paused → completed, cancel from any non-final state', () => {
    expect(nextState('draft', 'launch')).toBe('scheduled');
    expect(nextState('scheduled', 'start')).toBe('running');
    expect(nextState('running', 'pause')).toBe('paused');
    expect(nextState('paused', 'resume')).toBe('running');
    expect(nextState('running', 'complete')).toBe('completed');
    for (const s of ['draft', 'scheduled', 'running', 'paused'] as const) expect(nextState(s, 'cancel')).toBe('cancelled');
    expect(nextState('completed', 'cancel')).toBeNull();
    expect(nextState('cancelled', 'resume')).toBeNull();
    expect(nextState('draft', 'pause')).toBeNull();
    expect(nextState('running', 'launch')).toBeNull();
    expect(nextState('paused', 'complete')).toBeNull();
  });
});

describe('send windows in the recipient’s time zone', () => {
  const window = { days: [1, 2, 3, 4, 5], start: '09:00', end: '20:00' };
  it('sends now inside the window and at the next opening outside it', () => {
    // Monday 15:00 UTC = 12:00 in Buenos Aires: inside.
    expect(nextOpening(window, 'America/Argentina/Buenos_Aires', now)).toEqual(now);
    // Monday 15:00 UTC = 00:00 Tuesday in Tokyo: opens Tuesday 09:00 JST = 00:00 UTC.
    expect(nextOpening(window, 'Asia/Tokyo', now).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    // Friday 23:30 in Madrid → Monday 09:00.
    expect(nextOpening(window, 'Europe/Madrid', new Date('2026-11-27T22:30:00Z')).toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('opens at the local hour across a DST change', () => {
    // Madrid leaves summer time on Sunday 2026-10-25: Saturday night → Monday 09:00 CET (08:00 UTC).
    expect(nextOpening(window, 'Europe/Madrid', new Date('2026-10-24T21:00:00Z')).toISOString()).toBe('2026-10-26T08:00:00.000Z');
    // New York enters summer time on 2026-03-08: Monday 09:00 EDT is 13:00 UTC.
    expect(nextOpening(window, 'America/New_York', new Date('2026-03-07T12:00:00Z')).toISOString()).toBe('2026-03-09T13:00:00.000Z');
  });

  it('counts only open time when sends are paced through a window (the plan and the ETA)', () => {
    // Weekdays 09:00–11:00 in Buenos Aires (UTC−3), from Monday 2026-11-23 08:00 local: two open hours a day.
    const short = { days: [1, 2, 3, 4, 5], start: '09:00', end: '11:00' };
    const at = openTimeWalker(short, 'America/Argentina/Buenos_Aires', new Date('2026-11-23T11:00:00Z'));
    expect(at(0).toISOString()).toBe('2026-11-23T12:00:00.000Z');
    expect(at(3600).toISOString()).toBe('2026-11-23T13:00:00.000Z');
    expect(at(7200).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(at(7200 * 4 + 60).toISOString()).toBe('2026-11-27T12:01:00.000Z');
    // The weekend does not count: the sixth day's hours are the next Monday's.
    expect(at(7200 * 5).toISOString()).toBe('2026-11-30T12:00:00.000Z');
    // An earlier offset after a later one starts again from the beginning.
    expect(at(1800).toISOString()).toBe('2026-11-23T12:30:00.000Z');
    // Overnight 22:00–06:00 in Madrid (UTC+1), from 21:00: eight hours a night.
    const night = openTimeWalker({ days: [1, 2, 3, 4, 5, 6, 7], start: '22:00', end: '06:00' }, 'Europe/Madrid', new Date('2026-11-23T20:00:00Z'));
    expect(night(0).toISOString()).toBe('2026-11-23T21:00:00.000Z');
    expect(night(7 * 3600).toISOString()).toBe('2026-11-24T04:00:00.000Z');
    expect(night(8 * 3600 + 30).toISOString()).toBe('2026-11-24T21:00:30.000Z');
    // A whole Sunday in Madrid on 2026-10-25 has 25 hours (summer time ends).
    const sunday = openTimeWalker({ days: [7], start: '00:00', end: '00:00' }, 'Europe/Madrid', new Date('2026-10-24T22:00:00Z'));
    expect(sunday(24 * 3600).toISOString()).toBe('2026-10-25T22:00:00.000Z');
    expect(sunday(25 * 3600).toISOString()).toBe('2026-10-31T23:00:00.000Z');
  });

  it('derives the zone from the contact, then the number’s country, then the tenant', () => {
    const tenant = { tenantCountry: 'AR', tenantTimeZone: 'America/Argentina/Buenos_Aires' };
    expect(recipientTimeZone({ attributes: { timezone: 'Europe/Madrid' }, phoneCountry: 'AR', ...tenant })).toBe('Europe/Madrid');
    expect(recipientTimeZone({ attributes: {}, phoneCountry: 'AR', ...tenant })).toBe('America/Argentina/Buenos_Aires');
    expect(recipientTimeZone({ attributes: {}, phoneCountry: 'ES', ...tenant })).toMatch(/^(Europe\/Madrid|Africa\/Ceuta|Atlantic\/Canary)$/);
    expect(recipientTimeZone({ attributes: {}, phoneCountry: null, ...tenant })).toBe('America/Argentina/Buenos_Aires');
  });
});
