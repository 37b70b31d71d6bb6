import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../../platform/crypto/secrets';

/**
 * Session cookies and API keys name their tenant and row, then carry a secret that is stored
 * only as a keyed hash:  `<tenantId>.<sessionId>.<secret>`  and  `lmk_<tenantId>.<keyId>.<secret>`.
 * Naming the tenant lets the lookup run under that tenant's row-level security; a forged tenant
 * simply finds nothing.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const API_KEY_PREFIX = 'lmk_';

export type ParsedCredential = { tenantId: string; id: string; secret: string };

function parseTriple(value: string): ParsedCredential | null {
  const [tenantId, id, secret, ...rest] = value.split('.');
  if (rest.length > 0 || !tenantId || !id || !secret) return null;
  if (!UUID.test(tenantId) || !UUID.test(id) || !SECRET.test(secret)) return null;
  return { tenantId, id, secret };
}

export const newSecret = () => randomToken(32);

export const formatSessionToken = (c: ParsedCredential) => `${c.tenantId}.${c.id}.${c.secret}`;
export const formatApiKey = (c: ParsedCredential) => `${API_KEY_PREFIX}${c.tenantId}.${c.id}.${c.secret}`;

export function parseApiKey(token: string): ParsedCredential | null {
  return token.startsWith(API_KEY_PREFIX) ? parseTriple(token.slice(API_KEY_PREFIX.length)) : null;
}

export function bearerToken(request: FastifyRequest): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return m?.[1] ?? null;
}

/** Over HTTPS the cookie gets `Secure` and the `__Host-` prefix (no Domain, Path=/). */
export type CookiePolicy = { publicUrl: string | undefined };

function isSecure(request: FastifyRequest, policy: CookiePolicy): boolean {
  return request.protocol === 'https' || (policy.publicUrl?.startsWith('https://') ?? false);
}

export const cookieName = (secure: boolean) => (secure ? '__Host-lm_session' : 'lm_session');

export function readSessionCookie(request: FastifyRequest, policy: CookiePolicy): ParsedCredential | null {
  const value = request.cookies?.[cookieName(isSecure(request, policy))];
  return value ? parseTriple(value) : null;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { policy: CookiePolicy; credential: ParsedCredential; expiresAt: Date },
) {
  const secure = isSecure(request, options.policy);
  reply.setCookie(cookieName(secure), formatSessionToken(options.credential), {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: options.expiresAt,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, policy: CookiePolicy) {
  const secure = isSecure(request, policy);
  reply.clearCookie(cookieName(secure), { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}
