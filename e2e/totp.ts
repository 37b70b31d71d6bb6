import { Secret, TOTP } from 'otpauth';

const PERIOD_MS = 30_000;

/**
 * Codes from the manual key shown on the page. The server accepts each 30-second step once and
 * one step of drift: a second code in the same step is taken from the next step.
 */
export function authenticator(manualKey: string) {
  const totp = new TOTP({ secret: Secret.fromBase32(manualKey.replace(/\s/g, '')), digits: 6, period: 30, algorithm: 'SHA1' });
  let lastStep = -1;
  return {
    next(): string {
      const now = Date.now();
      const step = Math.max(Math.floor(now / PERIOD_MS), lastStep + 1);
      lastStep = step;
      return totp.generate({ timestamp: step * PERIOD_MS });
    },
  };
}
