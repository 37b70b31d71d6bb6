import type { FastifyRequest } from 'fastify';

/** Where a request came from, as recorded in the audit trail. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 400) : null };
}
