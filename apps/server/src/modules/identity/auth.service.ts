import { and, eq, sql } from 'drizzle-orm';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import type { AuthResolver, Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { recordAudit, recordPlatformAudit, type Actor } from '../audit';
import { tenantSuspended } from '../tenants';
import { apiKeys, sessions } from './identity.tables';
import {
  claimTotpStep,
  findApiKeyPrincipal,
  findLogin,
  findSessionContext,
  findSessionPrincipal,
  findUserContext,
  insertSession,
  permissionsOf,
  revokeSession,
  revokeUserSessions,
  updateUser,
  useRecoveryCode,
} from './identity.repository';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from './passwords';
import { totpStep } from './totp';
import { accountKey, blockedUntil, clearFailures, ipKey, LOGIN_LIMITS, recordFailure } from './login-throttle';
import { bearerToken, newSecret, parseApiKey, readSessionCookie, setSessionCookie, type ParsedCredential } from './credentials';
import { invalidCredentials, invalidTotp, signInAgain, tooManyAttempts, wrongPassword } from './identity.errors';

const ACTIVE_TTL_MS = 14 * 24 * 3600_000;
const MFA_TTL_MS = 10 * 60_000;
/** Sliding expiry is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 3600_000;
const TOTP_FAILURES_PER_SESSION = 5;
const TOTP_LIMIT = { max: 10, windowMs: 15 * 60_000 };

export type StartedSession = { credential: ParsedCredential; expiresAt: Date };

export function createAuthService(deps: ModuleDeps) {
  const { database, secrets, clock } = deps;
  const cookiePolicy = { publicUrl: deps.config.publicUrl };

  async function startSession(
    tx: Tx,
    options: { tenantId: string; userId: string; stage: 'mfa' | 'active'; meta: RequestMeta },
  ): Promise<StartedSession> {
    const secret = newSecret();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + (options.stage === 'mfa' ? MFA_TTL_MS : ACTIVE_TTL_MS));
    const row = await insertSession(tx, {
      tenantId: options.tenantId,
      userId: options.userId,
      secretHash: secrets.hashToken(secret),
      stage: options.stage,
      ip: options.meta.ip,
      userAgent: options.meta.userAgent,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    });
    return { credential: { tenantId: options.tenantId, id: row.id, secret }, expiresAt };
  }

  const userActor = (user: { id: string; email: string }): Actor => ({ type: 'user', id: user.id, label: user.email });

  const resolver: AuthResolver = {
    async resolve(request, reply) {
      const token = bearerToken(request);
      if (token) return resolveApiKey(token);
      const credential = readSessionCookie(request, cookiePolicy);
      if (!credential) return null;
      const now = clock.now();
      const row = await findSessionPrincipal(database.db, { tenantId: credential.tenantId, sessionId: credential.id });
      if (!row || !secrets.verifyToken(credential.secret, row.secret_hash)) return null;
      if (row.stage !== 'active' || row.revoked_at || Date.parse(row.expires_at) <= now.getTime() || row.user_status !== 'active') return null;
      if (row.tenant_status === 'suspended') throw tenantSuspended();
      // Sliding expiry, written at most once an hour per session rather than on every request.
      if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
        const expiresAt = new Date(now.getTime() + ACTIVE_TTL_MS);
        await database.withTenant(credential.tenantId, (tx) =>
          tx
            .update(sessions)
            .set({ lastSeenAt: now, expiresAt })
            .where(and(eq(sessions.tenantId, credential.tenantId), eq(sessions.id, credential.id))),
        );
        setSessionCookie(request, reply, { policy: cookiePolicy, credential, expiresAt });
      }
      return {
        kind: 'session',
        tenantId: credential.tenantId,
        userId: row.user_id,
        actorId: row.user_id,
        actorLabel: row.email,
        permissions: new Set(permissionsOf({ builtin: row.builtin, permissions: row.permissions })),
        builtinRole: row.builtin,
        sessionId: credential.id,
        mustEnrolTwoFactor: row.require_two_factor && !row.totp_enabled,
      } satisfies Principal;
    },
  };

  async function resolveApiKey(token: string): Promise<Principal | null> {
    const credential = parseApiKey(token);
    if (!credential) return null;
    const now = clock.now();
    const row = await findApiKeyPrincipal(database.db, { tenantId: credential.tenantId, keyId: credential.id });
    if (!row || !secrets.verifyToken(credential.secret, row.secret_hash)) return null;
    if (row.revoked_at || row.user_status !== 'active') return null;
    if (row.tenant_status === 'suspended') throw tenantSuspended();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
      await database.withTenant(credential.tenantId, (tx) =>
        tx
          .update(apiKeys)
          .set({ lastUsedAt: now })
          .where(and(eq(apiKeys.tenantId, credential.tenantId), eq(apiKeys.id, credential.id))),
      );
    }
    // A key never does more than its creator may do today.
    const creator = new Set(permissionsOf({ builtin: row.builtin, permissions: row.permissions }));
    return {
      kind: 'api_key',
      tenantId: credential.tenantId,
      userId: row.user_id,
      actorId: credential.id,
      actorLabel: `API key ${row.name}`,
      permissions: new Set(row.key_permissions.filter((p) => creator.has(p))),
      builtinRole: null,
      sessionId: null,
      mustEnrolTwoFactor: false,
    };
  }

  async function login(options: { login: string; password: string; meta: RequestMeta }) {
    const { login: name, password, meta } = options;
    const now = clock.now();
    const account = accountKey(name);
    const ip = ipKey(meta.ip);
    const blocked = await database.withoutTenant((tx) => blockedUntil(tx, [account, ip], now));
    if (blocked) {
      await database.withoutTenant((tx) =>
        recordPlatformAudit(tx, { action: 'auth.login_blocked', actorLabel: name.slice(0, 254), meta }),
      );
      throw tooManyAttempts(blocked, now);
    }
    const found = await database.withoutTenant((tx) => findLogin(tx, name));
    const ctx = found ? await database.withTenant(found.tenantId, (tx) => findUserContext(tx, found)) : null;
    let passwordOk = false;
    if (ctx) passwordOk = await verifyPassword(ctx.user.passwordHash, password);
    else await burnPasswordCheck(password);

    if (!ctx || !passwordOk || ctx.user.status !== 'active') {
      await database.withoutTenant(async (tx) => {
        await recordFailure(tx, { key: account, limit: LOGIN_LIMITS.account, now });
        await recordFailure(tx, { key: ip, limit: LOGIN_LIMITS.ip, now });
        if (!ctx) {
          await recordPlatformAudit(tx, {
            action: 'auth.login',
            actorLabel: name.slice(0, 254),
            meta,
            details: { outcome: 'failure', reason: 'unknown_account' },
          });
        }
      });
      if (ctx) {
        await database.withTenant(ctx.tenant.id, (tx) =>
          recordAudit(tx, {
            tenantId: ctx.tenant.id,
            actor: userActor(ctx.user),
            action: 'auth.login',
            outcome: 'failure',
            target: { type: 'user', id: ctx.user.id },
            meta,
            details: { reason: passwordOk ? 'user_disabled' : 'wrong_password' },
          }),
        );
      }
      throw invalidCredentials();
    }

    const { user, tenant } = ctx;
    if (tenant.status === 'suspended') {
      await database.withTenant(tenant.id, (tx) =>
        recordAudit(tx, {
          tenantId: tenant.id,
          actor: userActor(user),
          action: 'auth.login',
          outcome: 'failure',
          meta,
          details: { reason: 'tenant_suspended' },
        }),
      );
      throw tenantSuspended();
    }
    await database.withoutTenant((tx) => clearFailures(tx, account));
    const twoFactor = user.totpEnabledAt !== null;
    const rehash = needsRehash(user.passwordHash) ? await hashPassword(password) : null;
    const session = await database.withTenant(tenant.id, async (tx) => {
      const started = await startSession(tx, { tenantId: tenant.id, userId: user.id, stage: twoFactor ? 'mfa' : 'active', meta });
      const changes = { ...(twoFactor ? {} : { lastLoginAt: now }), ...(rehash ? { passwordHash: rehash } : {}) };
      if (Object.keys(changes).length > 0) await updateUser(tx, { tenantId: tenant.id, userId: user.id, changes });
      await recordAudit(tx, {
        tenantId: tenant.id,
        actor: userActor(user),
        action: twoFactor ? 'auth.login_password_verified' : 'auth.login',
        target: { type: 'user', id: user.id },
        meta,
        details: { method: 'password' },
      });
      return started;
    });
    return { ...session, status: twoFactor ? ('totp_required' as const) : ('ok' as const) };
  }

  /** Second step of a login: a TOTP code or a recovery code for the pending (mfa-stage) session. */
  async function completeTotpLogin(options: {
    pending: ParsedCredential;
    code?: string;
    recoveryCode?: string;
    meta: RequestMeta;
  }): Promise<StartedSession> {
    const { pending, meta } = options;
    const now = clock.now();
    const outcome = await database.withTenant(pending.tenantId, async (tx) => {
      const ctx = await findSessionContext(tx, { tenantId: pending.tenantId, sessionId: pending.id });
      if (!ctx || !secrets.verifyToken(pending.secret, ctx.session.secretHash)) return { kind: 'expired' as const };
      const { session, user, tenant } = ctx;
      if (session.stage !== 'mfa' || session.revokedAt || session.expiresAt <= now || user.status !== 'active' || !user.totpSecret || !user.totpEnabledAt) {
        return { kind: 'expired' as const };
      }
      const blocked = await blockedUntil(tx, [`totp:${user.id}`], now);
      if (blocked || session.totpFailures >= TOTP_FAILURES_PER_SESSION) {
        await revokeSession(tx, { tenantId: tenant.id, sessionId: session.id, now });
        return { kind: 'blocked' as const, until: blocked ?? new Date(now.getTime() + 60_000) };
      }
      let ok = false;
      if (options.code) {
        const step = totpStep({ secret: secrets.decrypt(user.totpSecret), code: options.code, at: now });
        ok = step !== null && (await claimTotpStep(tx, { tenantId: tenant.id, userId: user.id, step }));
      } else if (options.recoveryCode) {
        const codeHash = secrets.hashToken(normaliseRecoveryCode(options.recoveryCode));
        ok = await useRecoveryCode(tx, { tenantId: tenant.id, userId: user.id, codeHash, now });
      }
      const method = options.code ? 'totp' : 'recovery_code';
      if (!ok) {
        await tx
          .update(sessions)
          .set({ totpFailures: sql`${sessions.totpFailures} + 1` })
          .where(and(eq(sessions.tenantId, tenant.id), eq(sessions.id, session.id)));
        await recordFailure(tx, { key: `totp:${user.id}`, limit: TOTP_LIMIT, now });
        await recordAudit(tx, {
          tenantId: tenant.id,
          actor: userActor(user),
          action: 'auth.login',
          outcome: 'failure',
          target: { type: 'user', id: user.id },
          meta,
          details: { reason: 'wrong_second_factor', method },
        });
        return { kind: 'invalid' as const };
      }
      // A new session id once both factors passed: the pending one can never be promoted twice.
      await revokeSession(tx, { tenantId: tenant.id, sessionId: session.id, now });
      const started = await startSession(tx, { tenantId: tenant.id, userId: user.id, stage: 'active', meta });
      await updateUser(tx, { tenantId: tenant.id, userId: user.id, changes: { lastLoginAt: now } });
      await recordAudit(tx, {
        tenantId: tenant.id,
        actor: userActor(user),
        action: 'auth.login',
        target: { type: 'user', id: user.id },
        meta,
        details: { method },
      });
      return { kind: 'ok' as const, started };
    });
    switch (outcome.kind) {
      case 'ok':
        return outcome.started;
      case 'expired':
        throw signInAgain();
      case 'blocked':
        throw tooManyAttempts(outcome.until, now);
      case 'invalid':
        throw invalidTotp();
    }
  }

  async function logout(principal: Principal, meta: RequestMeta) {
    if (!principal.sessionId) return;
    await database.withTenant(principal.tenantId, async (tx) => {
      await revokeSession(tx, { tenantId: principal.tenantId, sessionId: principal.sessionId!, now: clock.now() });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: { type: 'user', id: principal.userId, label: principal.actorLabel },
        action: 'auth.logout',
        meta,
      });
    });
  }

  /** Changes the password and ends every session of the user; the caller gets a fresh one. */
  async function changePassword(options: { principal: Principal; currentPassword: string; newPassword: string; meta: RequestMeta }) {
    const { principal, meta } = options;
    const now = clock.now();
    const key = `password:${principal.userId}`;
    const blocked = await database.withoutTenant((tx) => blockedUntil(tx, [key], now));
    if (blocked) throw tooManyAttempts(blocked, now);
    const ctx = await database.withTenant(principal.tenantId, (tx) =>
      findUserContext(tx, { tenantId: principal.tenantId, userId: principal.userId }),
    );
    if (!ctx || !(await verifyPassword(ctx.user.passwordHash, options.currentPassword))) {
      await database.withoutTenant((tx) => recordFailure(tx, { key, limit: LOGIN_LIMITS.account, now }));
      throw wrongPassword();
    }
    const passwordHash = await hashPassword(options.newPassword);
    return database.withTenant(principal.tenantId, async (tx) => {
      await updateUser(tx, { tenantId: principal.tenantId, userId: principal.userId, changes: { passwordHash, passwordChangedAt: now } });
      await revokeUserSessions(tx, { tenantId: principal.tenantId, userId: principal.userId, now });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: userActor(ctx.user),
        action: 'auth.password_changed',
        target: { type: 'user', id: principal.userId },
        meta,
      });
      return startSession(tx, { tenantId: principal.tenantId, userId: principal.userId, stage: 'active', meta });
    });
  }

  return { resolver, login, completeTotpLogin, logout, changePassword, startSession, cookiePolicy };
}

export type AuthService = ReturnType<typeof createAuthService>;

export const normaliseRecoveryCode = (code: string) => code.replace(/-/g, '').toLowerCase();
