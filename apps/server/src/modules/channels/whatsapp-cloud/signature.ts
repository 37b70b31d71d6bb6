import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Meta signs every webhook POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
 * keyed by the app secret>`. The check runs on the exact bytes received: the same JSON re-serialised
 * (escaped unicode, other spacing) must fail. Anything missing, short or of another algorithm fails.
 * The secret may be a KeyObject made once per channel (`createSecretKey`): at webhook rates, keying
 * an HMAC from a string costs a third of the HMAC itself.
 */
export function verifyMetaSignature(options: { rawBody: Buffer; header: string | string[] | undefined; appSecret: string | KeyObject }): boolean {
  const header = Array.isArray(options.header) ? options.header[0] : options.header;
  if (!header || !header.startsWith('sha256=')) return false;
  const given = header.slice('sha256='.length);
  if (!/^[0-9a-f]{64}$/i.test(given)) return false;
  const expected = createHmac('sha256', options.appSecret).update(options.rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export function signMetaBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}
