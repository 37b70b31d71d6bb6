import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** "+5491144445555" → "+54 9 11 4444 5555"; anything unparseable is shown as given. */
export function formatPhone(e164: string | null | undefined): string {
  if (!e164) return '';
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
