import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '@leadmaster/contracts';
import { AppError, forbidden, unauthenticated } from '../errors';

/** Who is calling: a signed-in user (cookie session) or an integration (API key). */
export type Principal = {
  kind: 'session' | 'api_key';
  tenantId: string;
  /** The user, or for an API key the user who created it. */
  userId: string;
  /** The API key's id for API keys, else the user's id: what the audit trail records. */
  actorId: string;
  actorLabel: string;
  permissions: ReadonlySet<string>;
  /** The built-in role behind the permissions (owner, admin, …), null for custom roles. */
  builtinRole: string | null;
  sessionId: string | null;
  /** The tenant requires 2FA and this user has not enrolled: only enrolment routes are open. */
  mustEnrolTwoFactor: boolean;
};

/**
 * What a route needs from its caller. Every route under /api declares one; the server refuses
 * to start if one does not (see `enforceRouteAuth`).
 */
export type RouteAuth =
  | { public: true }
  | {
      /** null: any signed-in caller. */
      permission: Permission | null;
      /** Open to a session that still has to enrol 2FA (the enrolment routes themselves). */
      duringEnrolment?: boolean;
      /** Cookie sessions only: e.g. changing one's own password. */
      sessionOnly?: boolean;
    };

/** Implemented by the identity module; the platform only knows this shape. */
export interface AuthResolver {
  resolve(request: FastifyRequest, reply: FastifyReply): Promise<Principal | null>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** Webhooks and other requests that carry no cookies are exempt from the origin check. */
    csrf?: false;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function checkRouteAuth(auth: RouteAuth, principal: Principal | null): void {
  if ('public' in auth) return;
  if (!principal) throw unauthenticated();
  if (auth.sessionOnly && principal.kind !== 'session') {
    throw new AppError('forbidden', 'This operation needs a signed-in user, not an API key');
  }
  if (principal.mustEnrolTwoFactor && !auth.duringEnrolment) {
    throw new AppError('totp_enrolment_required', 'This workspace requires two-factor authentication: enrol first');
  }
  if (auth.permission && !principal.permissions.has(auth.permission)) throw forbidden(auth.permission);
}

/** The authenticated caller of a route that declared a non-public auth. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}
