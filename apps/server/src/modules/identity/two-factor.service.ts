import { randomBytes } from 'node:crypto';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { AppError } from '../../platform/errors';
import { actorOf, recordAudit } from '../audit';
import { claimTotpStep, findUserContext, replaceRecoveryCodes, revokeUserSessions, updateUser } from './identity.repository';
import { newTotpSecret, totpEnrolment, totpStep } from './totp';
import { verifyPassword } from './passwords';
import { normaliseRecoveryCode, type AuthService } from './auth.service';
import { invalidTotp, userNotFound, wrongPassword } from './identity.errors';

const RECOVERY_CODE_COUNT = 10;

/** `xxxxx-xxxxx`, 50 bits each: typed by hand rarely, guessed never (and rate-limited). */
function newRecoveryCode(): string {
  const raw = randomBytes(10).toString('hex').slice(0, 10);
  return `${raw.slice(0, 5)}-${raw.slice(5)}`;
}

export function createTwoFactorService(deps: ModuleDeps & { auth: AuthService }) {
  const { database, secrets, clock } = deps;

  async function loadUser(principal: Principal) {
    const ctx = await database.withTenant(principal.tenantId, (tx) =>
      findUserContext(tx, { tenantId: principal.tenantId, userId: principal.userId }),
    );
    if (!ctx) throw userNotFound();
    return ctx;
  }

  /** Step 1: a new secret, stored encrypted but not trusted until a code from it is confirmed. */
  async function startEnrolment(principal: Principal) {
    const { user, tenant } = await loadUser(principal);
    if (user.totpEnabledAt) throw new AppError('invalid_state', 'Two-factor authentication is already on', { reason: 'totp_already_on' });
    const secret = newTotpSecret();
    await database.withTenant(principal.tenantId, (tx) =>
      updateUser(tx, { tenantId: principal.tenantId, userId: principal.userId, changes: { totpSecret: secrets.encrypt(secret) } }),
    );
    return totpEnrolment({ secret, account: user.email, issuer: `LeadMaster (${tenant.name})` });
  }

  /** Step 2: a valid code turns it on; recovery codes are returned once; other sessions end. */
  async function confirmEnrolment(options: { principal: Principal; code: string; meta: RequestMeta }) {
    const { principal, meta } = options;
    const { user } = await loadUser(principal);
    if (user.totpEnabledAt) throw new AppError('invalid_state', 'Two-factor authentication is already on', { reason: 'totp_already_on' });
    if (!user.totpSecret) throw new AppError('invalid_state', 'Start the enrolment first', { reason: 'totp_not_started' });
    const now = clock.now();
    const step = totpStep({ secret: secrets.decrypt(user.totpSecret), code: options.code, at: now });
    if (step === null) throw invalidTotp();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const session = await database.withTenant(principal.tenantId, async (tx) => {
      if (!(await claimTotpStep(tx, { tenantId: principal.tenantId, userId: principal.userId, step }))) throw invalidTotp();
      await updateUser(tx, { tenantId: principal.tenantId, userId: principal.userId, changes: { totpEnabledAt: now } });
      await replaceRecoveryCodes(tx, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        codeHashes: codes.map((c) => secrets.hashToken(normaliseRecoveryCode(c))),
      });
      await revokeUserSessions(tx, { tenantId: principal.tenantId, userId: principal.userId, now });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'auth.2fa_enabled',
        target: { type: 'user', id: principal.userId },
        meta,
      });
      return deps.auth.startSession(tx, { tenantId: principal.tenantId, userId: principal.userId, stage: 'active', meta });
    });
    return { recoveryCodes: codes, session };
  }

  async function disable(options: { principal: Principal; password: string; meta: RequestMeta }) {
    const { principal, meta } = options;
    const { user, tenant } = await loadUser(principal);
    if (!(await verifyPassword(user.passwordHash, options.password))) throw wrongPassword();
    if (tenant.requireTwoFactor) {
      throw new AppError('invalid_state', 'This workspace requires two-factor authentication; it cannot be turned off', { reason: 'totp_required' });
    }
    const now = clock.now();
    return database.withTenant(principal.tenantId, async (tx) => {
      await updateUser(tx, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        changes: { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
      });
      await replaceRecoveryCodes(tx, { tenantId: principal.tenantId, userId: principal.userId, codeHashes: [] });
      await revokeUserSessions(tx, { tenantId: principal.tenantId, userId: principal.userId, now });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'auth.2fa_disabled',
        target: { type: 'user', id: principal.userId },
        meta,
      });
      return deps.auth.startSession(tx, { tenantId: principal.tenantId, userId: principal.userId, stage: 'active', meta });
    });
  }

  async function regenerateRecoveryCodes(options: { principal: Principal; password: string; meta: RequestMeta }) {
    const { principal, meta } = options;
    const { user } = await loadUser(principal);
    if (!(await verifyPassword(user.passwordHash, options.password))) throw wrongPassword();
    if (!user.totpEnabledAt) throw new AppError('invalid_state', 'Two-factor authentication is off', { reason: 'totp_off' });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await database.withTenant(principal.tenantId, async (tx) => {
      await replaceRecoveryCodes(tx, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        codeHashes: codes.map((c) => secrets.hashToken(normaliseRecoveryCode(c))),
      });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'auth.recovery_codes_regenerated',
        target: { type: 'user', id: principal.userId },
        meta,
      });
    });
    return codes;
  }

  return { startEnrolment, confirmEnrolment, disable, regenerateRecoveryCodes };
}
