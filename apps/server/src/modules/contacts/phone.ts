import { Metadata as MetadataClass, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export type PhoneType = 'mobile' | 'fixed_line' | 'fixed_line_or_mobile' | 'voip' | 'toll_free' | 'premium_rate' | 'shared_cost' | 'pager' | 'uan' | 'voicemail' | 'personal_number' | 'unknown';

/** A phone number as LeadMaster keeps it: what was entered, and what it means. */
export type NormalizedPhone = {
  raw: string;
  /** Canonical E.164 for sending (Argentine mobiles with their 9, Brazilian mobiles with the 9th digit). */
  e164: string | null;
  /** Identity of the line across the ways people write it; one person is one contact per key. */
  key: string | null;
  valid: boolean;
  type: PhoneType | null;
  country: string | null;
};

const TYPES: Record<string, PhoneType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
  PERSONAL_NUMBER: 'personal_number',
};

const invalid = (raw: string, parsed?: PhoneNumber): NormalizedPhone => ({
  raw,
  e164: null,
  key: parsed ? parsed.number : null,
  valid: false,
  type: null,
  country: parsed?.country ?? null,
});

/** The part of libphonenumber's metadata class a number's type is read from (the class is exported without types). */
type NumberingPlan = { nationalNumberPattern(): string; type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined };
const Metadata = MetadataClass as unknown as new () => { selectNumberingPlan(country: string): void; numberingPlan: NumberingPlan };

const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
type TypeTest = { pattern: RegExp; lengths: number[] | undefined } | null;
type CompiledPlan = { national: RegExp; types: Map<string, TypeTest>; mobileMissing: boolean; mobileEmpty: boolean };
const plans = new Map<string, CompiledPlan>();

function compiledPlan(selector: string): CompiledPlan {
  let plan = plans.get(selector);
  if (plan) return plan;
  const metadata = new Metadata();
  metadata.selectNumberingPlan(selector);
  const numbering = metadata.numberingPlan;
  const types = new Map<string, TypeTest>();
  for (const name of ['FIXED_LINE', ...NON_FIXED_LINE_TYPES]) {
    const type = numbering.type(name);
    types.set(name, type && type.pattern() ? { pattern: new RegExp(`^(?:${type.pattern()})$`), lengths: type.possibleLengths() } : null);
  }
  const mobile = numbering.type('MOBILE');
  plan = { national: new RegExp(`^(?:${numbering.nationalNumberPattern()})$`), types, mobileMissing: !mobile, mobileEmpty: mobile?.pattern() === '' };
  plans.set(selector, plan);
  return plan;
}

/**
 * `PhoneNumber.getType()` with each pattern compiled once. libphonenumber builds a RegExp from the
 * metadata's pattern text on every test (Argentina's mobile pattern is kilobytes long): that was
 * most of the CPU an import spends. Same steps as its getNumberType (v2); phone.test.ts checks the
 * two agree.
 */
export function numberType(parsed: PhoneNumber): string | undefined {
  const selector = parsed.country ?? parsed.countryCallingCode;
  if (!selector) return undefined;
  const plan = compiledPlan(selector);
  const national = parsed.nationalNumber;
  if (!plan.national.test(national)) return undefined;
  const is = (name: string) => {
    const t = plan.types.get(name);
    if (!t) return false;
    if (t.lengths && !t.lengths.includes(national.length)) return false;
    return t.pattern.test(national);
  };
  if (is('FIXED_LINE')) {
    if (plan.mobileEmpty || plan.mobileMissing || is('MOBILE')) return 'FIXED_LINE_OR_MOBILE';
    return 'FIXED_LINE';
  }
  return NON_FIXED_LINE_TYPES.find(is);
}

/** Written with the country code (`+54…`, `54…`, `0054…`): how WhatsApp numbers are shared. */
const looksInternational = (raw: string, countryCallingCode: string) => {
  const digits = raw.replace(/[^\d+]/g, '');
  return digits.startsWith('+') || digits.startsWith(`00${countryCallingCode}`) || digits.startsWith(countryCallingCode);
};

/**
 * Parses a number the way people type it, with the tenant's default country for numbers without a
 * country code. Invalid input is kept as entered and flagged, never dropped.
 *
 * Two national quirks make one person look like two numbers:
 * - Argentina: mobiles are dialled `0 11 15 xxxx-xxxx` at home and `+54 9 11 xxxx-xxxx` from abroad;
 *   people also write `+54 11 xxxx-xxxx`. The `9` is added when the number is written with the
 *   country code (that is how mobile numbers are shared), and the key ignores it.
 * - Brazil: mobiles gained a ninth digit; the old eight-digit form gets its `9`, and the key ignores it.
 * See docs/decisions/0007-phone-identity.md.
 */
export function normalizePhone(raw: string, defaultCountry: string): NormalizedPhone {
  const text = raw.trim();
  if (!/\d/.test(text) || text.length > 40) return invalid(raw);
  let parsed = parsePhoneNumberFromString(text, defaultCountry.toUpperCase() as CountryCode);
  if (!parsed) return invalid(raw);

  // The type is asked once: with the /max metadata a number is valid exactly when it has a type
  // (libphonenumber's isValid() computes the type too), and both walk the country's patterns,
  // most of what parsing a number costs.
  let type: string | undefined;
  if (parsed.countryCallingCode === '54' && !parsed.nationalNumber.startsWith('9') && looksInternational(text, '54')) {
    const mobile = parsePhoneNumberFromString(`+549${parsed.nationalNumber}`);
    if (mobile && numberType(mobile) === 'MOBILE') {
      parsed = mobile;
      type = 'MOBILE';
    }
  }
  type ??= numberType(parsed);
  if (!type && parsed.countryCallingCode === '55' && /^\d{2}[6-9]\d{7}$/.test(parsed.nationalNumber)) {
    const ninth = parsePhoneNumberFromString(`+55${parsed.nationalNumber.slice(0, 2)}9${parsed.nationalNumber.slice(2)}`);
    const ninthType = ninth && numberType(ninth);
    if (ninth && ninthType) {
      parsed = ninth;
      type = ninthType;
    }
  }
  if (!type) return invalid(raw, parsed);
  return { raw, e164: parsed.number, key: phoneKey(parsed.number), valid: true, type: TYPES[type] ?? 'unknown', country: parsed.country ?? null };
}

/** The identity of an E.164 number: Argentina's mobile 9 and Brazil's ninth digit removed. */
export function phoneKey(e164: string): string {
  if (e164.startsWith('+549')) return `+54${e164.slice(4)}`;
  const br = /^\+55(\d{2})9(\d{8})$/.exec(e164);
  if (br) return `+55${br[1]}${br[2]}`;
  return e164;
}

/** Whether a search text could be a phone number (only then does a search need the tenant's country). */
export function mayBePhoneNumber(text: string): boolean {
  return text.replace(/\D/g, '').length >= 6 && !/[a-z@]/i.test(text);
}

/** For search: the key a typed number would have, or null when the text is not a phone number. */
export function phoneSearchKey(text: string, defaultCountry: string): string | null {
  if (!mayBePhoneNumber(text)) return null;
  const n = normalizePhone(text, defaultCountry);
  if (n.key) return n.key;
  const parsed = parsePhoneNumberFromString(text, defaultCountry.toUpperCase() as CountryCode);
  return parsed ? phoneKey(parsed.number) : null;
}
