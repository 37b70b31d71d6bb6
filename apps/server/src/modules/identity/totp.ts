import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** RFC 6238 with the parameters every authenticator app understands. */
const PERIOD = 30;
const DIGITS = 6;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label = '', issuer = 'LeadMaster') {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) });
}

export async function totpEnrolment(options: { secret: string; account: string; issuer: string }) {
  const otpauthUrl = totpFor(options.secret, options.account, options.issuer).toString();
  const qrDataUrl = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
  return { secret: options.secret, otpauthUrl, qrDataUrl };
}

/**
 * The time step a code belongs to, accepting one step of clock drift either way (RFC 6238 §5.2),
 * or null. The caller makes the step usable once.
 */
export function totpStep(options: { secret: string; code: string; at: Date }): number | null {
  const timestamp = options.at.getTime();
  const delta = totpFor(options.secret).validate({ token: options.code, timestamp, window: 1 });
  if (delta === null) return null;
  return Math.floor(timestamp / 1000 / PERIOD) + delta;
}

export function totpCodeAt(secret: string, at: Date): string {
  return totpFor(secret).generate({ timestamp: at.getTime() });
}
