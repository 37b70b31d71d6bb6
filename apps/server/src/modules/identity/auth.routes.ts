import { z } from 'zod';
import {
  ChangePasswordBody,
  ConfirmTotpBody,
  DisableTotpBody,
  LoginBody,
  LoginResult,
  LoginTotpBody,
  Me,
  Ok,
  PERMISSIONS,
  RecoveryCodes,
  SetupBody,
  SetupStatus,
  TotpEnrolment,
  UpdateProfileBody,
} from '@leadmaster/contracts';
import type { HttpServer } from '../../platform/http/server';
import type { ModuleDeps } from '../../platform/deps';
import { principalOf } from '../../platform/http/auth';
import { requestMeta } from '../../platform/http/request-meta';
import { presentTenant } from '../tenants';
import type { AuthService, StartedSession } from './auth.service';
import type { createTwoFactorService } from './two-factor.service';
import type { createSetupService } from './setup.service';
import type { createUsersService } from './users.service';
import { presentUser } from './users.service';
import { findUserContext, permissionsOf } from './identity.repository';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './credentials';
import { signInAgain, userNotFound } from './identity.errors';

export function authRoutes(
  deps: ModuleDeps & {
    auth: AuthService;
    twoFactor: ReturnType<typeof createTwoFactorService>;
    setup: ReturnType<typeof createSetupService>;
    users: ReturnType<typeof createUsersService>;
  },
) {
  const { auth, twoFactor, setup, database } = deps;
  // Per address and process, on top of the per-account limits kept in the database.
  const AUTH_RATE_LIMIT = { max: deps.config.authRateLimitPerMinute, timeWindow: '1 minute' };
  const session = { permission: null, duringEnrolment: true, sessionOnly: true } as const;

  return async (app: HttpServer) => {
    const withCookie = (request: Parameters<typeof setSessionCookie>[0], reply: Parameters<typeof setSessionCookie>[1], s: StartedSession) =>
      setSessionCookie(request, reply, { policy: auth.cookiePolicy, credential: s.credential, expiresAt: s.expiresAt });

    app.get('/api/v1/setup', { config: { auth: { public: true } }, schema: { tags: ['setup'], response: { 200: SetupStatus } } }, async () => ({
      setupRequired: await setup.required(),
    }));

    app.post(
      '/api/v1/setup',
      {
        config: { auth: { public: true }, rateLimit: AUTH_RATE_LIMIT },
        schema: { tags: ['setup'], body: SetupBody, response: { 201: LoginResult } },
      },
      async (request, reply) => {
        const started = await setup.run({ input: request.body, meta: requestMeta(request) });
        withCookie(request, reply, started);
        return reply.status(201).send({ status: 'ok' });
      },
    );

    app.post(
      '/api/v1/auth/login',
      {
        config: { auth: { public: true }, rateLimit: AUTH_RATE_LIMIT },
        schema: { tags: ['auth'], body: LoginBody, response: { 200: LoginResult } },
      },
      async (request, reply) => {
        const result = await auth.login({ ...request.body, meta: requestMeta(request) });
        withCookie(request, reply, result);
        return { status: result.status };
      },
    );

    app.post(
      '/api/v1/auth/login/totp',
      {
        config: { auth: { public: true }, rateLimit: AUTH_RATE_LIMIT },
        schema: { tags: ['auth'], body: LoginTotpBody, response: { 200: LoginResult } },
      },
      async (request, reply) => {
        const pending = readSessionCookie(request, auth.cookiePolicy);
        if (!pending) throw signInAgain();
        const body = request.body;
        const started = await auth.completeTotpLogin({
          pending,
          ...('code' in body ? { code: body.code } : { recoveryCode: body.recoveryCode }),
          meta: requestMeta(request),
        });
        withCookie(request, reply, started);
        return { status: 'ok' as const };
      },
    );

    app.post(
      '/api/v1/auth/logout',
      { config: { auth: { permission: null, duringEnrolment: true } }, schema: { tags: ['auth'], response: { 200: Ok } } },
      async (request, reply) => {
        await auth.logout(principalOf(request), requestMeta(request));
        clearSessionCookie(request, reply, auth.cookiePolicy);
        return { ok: true as const };
      },
    );

    app.get(
      '/api/v1/auth/me',
      { config: { auth: { permission: null, duringEnrolment: true } }, schema: { tags: ['auth'], response: { 200: Me } } },
      async (request) => {
        const principal = principalOf(request);
        const ctx = await database.withTenant(principal.tenantId, (tx) =>
          findUserContext(tx, { tenantId: principal.tenantId, userId: principal.userId }),
        );
        if (!ctx) throw userNotFound();
        return {
          user: { ...presentUser(ctx.user, ctx.role), locale: ctx.user.locale === 'en' || ctx.user.locale === 'es' ? (ctx.user.locale as 'es' | 'en') : null },
          tenant: presentTenant(ctx.tenant),
          permissions: principal.kind === 'session' ? permissionsOf(ctx.role) : [...principal.permissions],
          mustEnrolTwoFactor: principal.mustEnrolTwoFactor,
        };
      },
    );

    app.patch(
      '/api/v1/auth/me',
      { config: { auth: session }, schema: { tags: ['auth'], body: UpdateProfileBody, response: { 200: Ok } } },
      async (request) => {
        await deps.users.updateProfile({ principal: principalOf(request), changes: request.body });
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/auth/password',
      { config: { auth: session, rateLimit: AUTH_RATE_LIMIT }, schema: { tags: ['auth'], body: ChangePasswordBody, response: { 200: Ok } } },
      async (request, reply) => {
        const started = await auth.changePassword({ principal: principalOf(request), ...request.body, meta: requestMeta(request) });
        withCookie(request, reply, started);
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/auth/2fa/setup',
      { config: { auth: session }, schema: { tags: ['auth'], response: { 200: TotpEnrolment } } },
      async (request) => twoFactor.startEnrolment(principalOf(request)),
    );

    app.post(
      '/api/v1/auth/2fa/confirm',
      { config: { auth: session, rateLimit: AUTH_RATE_LIMIT }, schema: { tags: ['auth'], body: ConfirmTotpBody, response: { 200: RecoveryCodes } } },
      async (request, reply) => {
        const { recoveryCodes, session: started } = await twoFactor.confirmEnrolment({
          principal: principalOf(request),
          code: request.body.code,
          meta: requestMeta(request),
        });
        withCookie(request, reply, started);
        return { recoveryCodes };
      },
    );

    app.post(
      '/api/v1/auth/2fa/disable',
      {
        config: { auth: { permission: null, sessionOnly: true }, rateLimit: AUTH_RATE_LIMIT },
        schema: { tags: ['auth'], body: DisableTotpBody, response: { 200: Ok } },
      },
      async (request, reply) => {
        const started = await twoFactor.disable({ principal: principalOf(request), password: request.body.password, meta: requestMeta(request) });
        withCookie(request, reply, started);
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/auth/2fa/recovery-codes',
      {
        config: { auth: { permission: null, sessionOnly: true }, rateLimit: AUTH_RATE_LIMIT },
        schema: { tags: ['auth'], body: DisableTotpBody, response: { 200: RecoveryCodes } },
      },
      async (request) => ({
        recoveryCodes: await twoFactor.regenerateRecoveryCodes({
          principal: principalOf(request),
          password: request.body.password,
          meta: requestMeta(request),
        }),
      }),
    );

    app.get(
      '/api/v1/permissions',
      { config: { auth: { permission: null } }, schema: { tags: ['roles'], response: { 200: z.object({ items: z.array(z.string()) }) } } },
      async () => ({ items: [...PERMISSIONS] }),
    );
  };
}
