import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { normalizePhone, numberType, phoneSearchKey } from './phone';

describe('phone numbers', () => {
  it.each([
    ['Argentina', 'AR', ['011 15-4444-5555', '+54 9 11 4444 5555', '54 11 4444 5555', '+54 11 4444-5555', '0054 9 11 4444-5555', '5491144445555'], '+5491144445555'],
    ['Argentina, Córdoba', 'AR', ['(0351) 15 555-1234', '+54 9 351 555-1234', '54 351 5551234'], '+5493515551234'],
    ['Spain', 'ES', ['612 34 56 78', '+34 612 345 678', '0034 612345678', '612-345-678'], '+34612345678'],
    ['United States', 'US', ['(415) 555-2671', '+1 415-555-2671', '1-415-555-2671', '415.555.2671'], '+14155552671'],
    ['Brazil (ninth digit)', 'BR', ['(11) 98765-4321', '+55 11 98765-4321', '+55 11 8765-4321', '55 11 87654321'], '+5511987654321'],
  ])('%s: every way of writing it is one canonical number and one key', (_name, country, forms, e164) => {
    const results = forms.map((raw) => normalizePhone(raw, country));
    for (const r of results) {
      expect(r, r.raw).toMatchObject({ valid: true, e164 });
    }
    expect(new Set(results.map((r) => r.key)).size).toBe(1);
  });

  it('records the type: an Argentine number dialled without 15 is a landline', () => {
    expect(normalizePhone('011 4321-0000', 'AR')).toMatchObject({ e164: '+541143210000', type: 'fixed_line', valid: true });
    expect(normalizePhone('011 15-4444-5555', 'AR').type).toBe('mobile');
  });

  it('keeps invalid numbers as entered and flags them', () => {
    for (const raw of ['15 4444 5555', '123', 'call me', '+54 11 44', '']) {
      const r = normalizePhone(raw, 'AR');
      expect(r).toMatchObject({ raw, valid: false, e164: null });
    }
  });

  it('finds the key of a number typed in a search box', () => {
    expect(phoneSearchKey('11 4444-5555', 'AR')).toBe(normalizePhone('+54 9 11 4444 5555', 'AR').key);
    expect(phoneSearchKey('ana@example.com', 'AR')).toBeNull();
    expect(phoneSearchKey('García', 'AR')).toBeNull();
  });

  it('reads the type as libphonenumber does (its patterns compiled once)', () => {
    const samples: [string, string][] = [
      ['011 15-4444-5555', 'AR'], ['+54 11 4444-5555', 'AR'], ['011 4321-0000', 'AR'], ['0800 333 4444', 'AR'], ['0600 123 4567', 'AR'], ['+54 11 44', 'AR'],
      ['(0351) 15 555-1234', 'AR'], ['612 34 56 78', 'ES'], ['91 123 45 67', 'ES'], ['900 123 456', 'ES'], ['(415) 555-2671', 'US'], ['(800) 555-0199', 'US'],
      ['+1 242 357 1234', 'US'], ['(11) 98765-4321', 'BR'], ['(11) 3333-4444', 'BR'], ['+55 11 8765-4321', 'BR'], ['+44 20 7946 0958', 'GB'], ['+44 7700 900123', 'GB'],
      ['+52 55 1234 5678', 'MX'], ['+7 800 555 3535', 'RU'], ['+598 99 123 456', 'UY'], ['+56 9 6123 4567', 'CL'], ['+1 415 555', 'US'],
    ];
    for (const [raw, country] of samples) {
      const parsed = parsePhoneNumberFromString(raw, country as CountryCode);
      expect(parsed, raw).toBeDefined();
      expect(numberType(parsed!), raw).toBe(parsed!.getType());
    }
  });
});
