import type { ScoreComponent, ScoreDetails } from '../contacts';
import type { PotentialRule } from './scoring.tables';

/** What the scores are computed from: the contact, its consent, and what channels reported. */
export type ScoringInput = {
  phoneValid: boolean;
  phoneType: string | null;
  email: string | null;
  website: string | null;
  company: string;
  tags: string[];
  attributes: Record<string, unknown>;
  whatsapp: 'unknown' | 'yes' | 'no';
  imessage: 'unknown' | 'yes' | 'no';
  blacklisted: boolean;
  /** Current consent per channel. */
  consent: Record<string, 'opted_in' | 'opted_out'>;
  signals: { delivered: number; failed: number; replies: number } | null;
  fields: Record<string, unknown>;
};

export type Scores = { contactability: number; digitalMaturity: number; potential: number; details: ScoreDetails };

const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'hotmail.com', 'hotmail.es', 'hotmail.com.ar', 'outlook.com', 'outlook.es', 'live.com', 'live.com.ar',
  'yahoo.com', 'yahoo.com.ar', 'yahoo.es', 'icloud.com', 'me.com', 'aol.com', 'protonmail.com', 'proton.me', 'gmx.com', 'mail.com',
  'uol.com.br', 'bol.com.br', 'terra.com.br', 'fibertel.com.ar', 'arnet.com.ar', 'speedy.com.ar',
]);
const SOCIAL = ['linkedin', 'instagram', 'facebook', 'twitter', 'tiktok'];

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));
const total = (parts: ScoreComponent[]) => clamp(parts.reduce((s, p) => s + p.points, 0));

/**
 * Contactability: can we reach this person, and may we? Each component names its points, so the
 * score explains itself ("valid mobile +40", "on WhatsApp: unknown +0"). An opt-out or a
 * blacklisted number is 0, whatever else is true.
 */
export function contactability(c: ScoringInput): ScoreComponent[] {
  const optedOut = Object.values(c.consent).includes('opted_out');
  if (c.blacklisted) return [{ code: 'blacklisted', label: 'blacklisted number', points: 0 }];
  if (optedOut) return [{ code: 'opted_out', label: 'opted out', points: 0 }];
  const parts: ScoreComponent[] = [];
  if (!c.phoneValid) parts.push({ code: 'phone_invalid', label: 'no valid phone', points: 0 });
  else if (c.phoneType === 'mobile' || c.phoneType === 'fixed_line_or_mobile') parts.push({ code: 'phone_mobile', label: 'valid mobile', points: 40 });
  else parts.push({ code: 'phone_fixed', label: 'valid landline', points: 15 });
  const wa = { yes: 25, no: -15, unknown: 0 }[c.whatsapp];
  parts.push({ code: `whatsapp_${c.whatsapp}`, label: `on WhatsApp: ${c.whatsapp}`, points: wa });
  if (c.imessage === 'yes') parts.push({ code: 'imessage_yes', label: 'on iMessage', points: 10 });
  const consented = Object.values(c.consent).includes('opted_in');
  parts.push(consented ? { code: 'consent', label: 'consent recorded', points: 20 } : { code: 'no_consent', label: 'no consent yet', points: 0 });
  if (c.email) parts.push({ code: 'email', label: 'has email', points: 5 });
  if (c.signals) {
    if (c.signals.delivered > 0) parts.push({ code: 'delivered', label: 'messages delivered', points: 5 });
    if (c.signals.failed > 0) parts.push({ code: 'failed', label: `${c.signals.failed} failed ${c.signals.failed === 1 ? 'delivery' : 'deliveries'}`, points: -Math.min(30, 10 * c.signals.failed) });
    if (c.signals.replies > 0) parts.push({ code: 'replied', label: 'has replied', points: 15 });
  }
  return parts;
}

/** Digital maturity: a web presence and a business email suggest a reachable, modern business. */
export function digitalMaturity(c: ScoringInput): ScoreComponent[] {
  const parts: ScoreComponent[] = [];
  if (c.website) parts.push({ code: 'website', label: 'own website', points: 35 });
  const domain = c.email?.split('@')[1]?.toLowerCase();
  if (domain) {
    parts.push(
      FREE_MAIL.has(domain)
        ? { code: 'free_mail', label: 'free-mail domain', points: -10 }
        : { code: 'corporate_mail', label: 'corporate email domain', points: 35 },
    );
  }
  const socials = SOCIAL.filter((s) => typeof c.attributes[s] === 'string' && c.attributes[s] !== '');
  if (socials.length) parts.push({ code: 'social', label: `social profiles: ${socials.join(', ')}`, points: Math.min(30, socials.length * 10) });
  if (c.company) parts.push({ code: 'company', label: 'company name', points: 10 });
  if (parts.length === 0) parts.push({ code: 'nothing', label: 'no digital presence known', points: 0 });
  return parts;
}

function fieldValue(c: ScoringInput, field: string): unknown {
  if (field.startsWith('attr:')) return c.attributes[field.slice(5)];
  return c.fields[field];
}

export function ruleMatches(rule: PotentialRule, c: ScoringInput): boolean {
  if (rule.op === 'has_tag') return c.tags.includes(String(rule.value ?? ''));
  const v = fieldValue(c, rule.field);
  switch (rule.op) {
    case 'exists':
      return v !== undefined && v !== null && v !== '';
    case 'eq':
      return String(v ?? '').toLowerCase() === String(rule.value ?? '').toLowerCase();
    case 'neq':
      return String(v ?? '').toLowerCase() !== String(rule.value ?? '').toLowerCase();
    case 'contains':
      return String(v ?? '').toLowerCase().includes(String(rule.value ?? '').toLowerCase());
    case 'gt':
    case 'lt': {
      const n = typeof v === 'number' ? v : Number(v);
      if (v === undefined || v === null || v === '' || Number.isNaN(n)) return false;
      return rule.op === 'gt' ? n > Number(rule.value) : n < Number(rule.value);
    }
  }
}

/** Commercial potential: the tenant's own weighted rules over the contact's fields and attributes. */
export function potential(c: ScoringInput, rules: PotentialRule[]): ScoreComponent[] {
  if (rules.length === 0) return [{ code: 'no_rules', label: 'no potential rules configured', points: 0 }];
  const matched = rules.filter((r) => ruleMatches(r, c)).map((r) => ({ code: `rule:${r.id}`, label: r.label, points: r.points }));
  return matched.length ? matched : [{ code: 'no_match', label: 'no rule matched', points: 0 }];
}

function compute(c: ScoringInput, rules: PotentialRule[]): Scores {
  const details: ScoreDetails = { contactability: contactability(c), digitalMaturity: digitalMaturity(c), potential: potential(c, rules) };
  return {
    contactability: total(details.contactability),
    digitalMaturity: total(details.digitalMaturity),
    potential: total(details.potential),
    details,
  };
}

/**
 * Everything of an input the three scores depend on, as a short text: two inputs with the same
 * signature have the same scores and explanations. Must name every input the functions above read
 * (scores.test.ts compares memoised and direct results over every combination it can build).
 */
export function scoreSignature(c: ScoringInput, rules: PotentialRule[]): string {
  let optedOut = 0;
  let optedIn = 0;
  for (const status of Object.values(c.consent)) {
    if (status === 'opted_out') optedOut = 1;
    else if (status === 'opted_in') optedIn = 1;
  }
  const domain = c.email?.split('@')[1]?.toLowerCase();
  const mail = domain ? (FREE_MAIL.has(domain) ? 'f' : 'c') : '-';
  let socials = '';
  for (const s of SOCIAL) socials += typeof c.attributes[s] === 'string' && c.attributes[s] !== '' ? '1' : '0';
  let matched = '';
  for (const rule of rules) matched += ruleMatches(rule, c) ? '1' : '0';
  const signals = c.signals ? `${c.signals.delivered > 0 ? 1 : 0}:${c.signals.failed}:${c.signals.replies > 0 ? 1 : 0}` : '-';
  return `${c.blacklisted ? 1 : 0}${optedOut}${optedIn}${c.phoneValid ? 1 : 0}|${c.phoneType}|${c.whatsapp}|${c.imessage}|${c.email ? 1 : 0}|${signals}|${c.website ? 1 : 0}|${mail}|${socials}|${c.company ? 1 : 0}|${matched}`;
}

const MEMO_LIMIT = 10_000;
const memo = new WeakMap<PotentialRule[], Map<string, Scores>>();

/**
 * The scores of a contact with their explanations. Contacts with the same signature share one
 * (frozen) result, computed once per set of rules: a re-score of a million contacts meets a few
 * hundred distinct ones, and the writer serialises each explanation once.
 */
export function computeScores(c: ScoringInput, rules: PotentialRule[]): Scores {
  let known = memo.get(rules);
  if (!known || known.size >= MEMO_LIMIT) memo.set(rules, (known = new Map()));
  const signature = scoreSignature(c, rules);
  let scores = known.get(signature);
  if (!scores) {
    scores = deepFreeze(compute(c, rules));
    known.set(signature, scores);
  }
  return scores;
}

/** Computes without the memo: what the memoised results are checked against. */
export const computeScoresDirect = compute;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
