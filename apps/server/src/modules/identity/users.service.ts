import type { User } from '@leadmaster/contracts';
import { BUILTIN_ROLES } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Tx } from '../../platform/db/database';
import type { Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { AppError } from '../../platform/errors';
import { actorOf, recordAudit, type Actor } from '../audit';
import { createTenant, type NewTenant } from '../tenants';
import { roles } from './identity.tables';
import {
  claimLogins,
  countActiveOwners,
  findLogin,
  findRole,
  findUserContext,
  insertUser,
  listUsers,
  permissionsOf,
  replaceRecoveryCodes,
  revokeUserSessions,
  updateUser,
  type RoleRow,
  type UserRow,
} from './identity.repository';
import { hashPassword } from './passwords';
import { cannotGrant, lastOwner, loginTaken, roleNotFound, userNotFound } from './identity.errors';

export type NewUser = { email: string; username?: string | undefined; name: string; password: string };

const ROLE_DESCRIPTIONS: Record<(typeof BUILTIN_ROLES)[number], string> = {
  owner: 'Everything, including billing and making two-factor mandatory',
  admin: 'Everything except billing',
  manager: 'Contacts, campaigns, inbox and calendar; reads the audit log',
  agent: 'Works the inbox and calendar; edits contacts',
  viewer: 'Reads only',
};

/** A new tenant with its five built-in roles. The transaction ends up in the new tenant. */
export async function provisionTenant(tx: Tx, input: NewTenant) {
  const tenant = await createTenant(tx, input);
  const created = await tx
    .insert(roles)
    .values(BUILTIN_ROLES.map((builtin) => ({ tenantId: tenant.id, name: builtin, builtin, description: ROLE_DESCRIPTIONS[builtin] })))
    .returning();
  return { tenant, roles: created };
}

/** Inserts a user and claims its login names installation-wide. */
export async function insertUserWithLogins(tx: Tx, options: { tenantId: string; roleId: string; user: NewUser; actor: Actor; meta?: RequestMeta }) {
  const { tenantId, user } = options;
  if (await findLogin(tx, user.email)) throw loginTaken('email');
  if (user.username && (await findLogin(tx, user.username))) throw loginTaken('username');
  const row = await insertUser(tx, {
    tenantId,
    email: user.email.toLowerCase(),
    username: user.username?.toLowerCase() ?? null,
    name: user.name,
    roleId: options.roleId,
    passwordHash: await hashPassword(user.password),
  });
  if (!(await claimLogins(tx, { tenantId, userId: row.id, logins: [row.email] }))) throw loginTaken('email');
  if (row.username && !(await claimLogins(tx, { tenantId, userId: row.id, logins: [row.username] }))) throw loginTaken('username');
  await recordAudit(tx, {
    tenantId,
    actor: options.actor,
    action: 'user.created',
    target: { type: 'user', id: row.id },
    ...(options.meta ? { meta: options.meta } : {}),
    details: { email: row.email, roleId: options.roleId },
  });
  return row;
}

type PresentableUser = Pick<UserRow, 'id' | 'email' | 'username' | 'name' | 'roleId' | 'status' | 'totpEnabledAt' | 'lastLoginAt' | 'createdAt'>;

export function presentUser(user: PresentableUser, role: Pick<RoleRow, 'name'>): User {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    name: user.name,
    roleId: user.roleId,
    roleName: role.name,
    status: user.status,
    twoFactorEnabled: user.totpEnabledAt !== null,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** Nobody hands out more than they hold: a role is assignable only if its permissions are all yours. */
export function assertCanGrant(principal: Principal, permissions: string[]) {
  const missing = permissions.filter((p) => !principal.permissions.has(p));
  if (missing.length > 0) throw cannotGrant(missing);
}

export function createUsersService(deps: ModuleDeps) {
  const { database, clock } = deps;

  async function list(options: { principal: Principal; limit: number; afterId?: string }) {
    const rows = await database.withTenant(options.principal.tenantId, (tx) =>
      listUsers(tx, { tenantId: options.principal.tenantId, limit: options.limit, ...(options.afterId ? { afterId: options.afterId } : {}) }),
    );
    return rows.map((r) => presentUser(r.user, r.role));
  }

  async function get(options: { principal: Principal; userId: string }) {
    const ctx = await database.withTenant(options.principal.tenantId, (tx) =>
      findUserContext(tx, { tenantId: options.principal.tenantId, userId: options.userId }),
    );
    if (!ctx) throw userNotFound();
    return presentUser(ctx.user, ctx.role);
  }

  async function create(options: { principal: Principal; user: NewUser & { roleId: string }; meta: RequestMeta }) {
    const { principal } = options;
    return database.withTenant(principal.tenantId, async (tx) => {
      const role = await findRole(tx, { tenantId: principal.tenantId, roleId: options.user.roleId });
      if (!role) throw roleNotFound();
      assertCanGrant(principal, permissionsOf(role));
      const row = await insertUserWithLogins(tx, {
        tenantId: principal.tenantId,
        roleId: role.id,
        user: options.user,
        actor: actorOf(principal),
        meta: options.meta,
      });
      return presentUser(row, role);
    });
  }

  async function update(options: {
    principal: Principal;
    userId: string;
    changes: { name?: string | undefined; roleId?: string | undefined; status?: 'active' | 'disabled' | undefined };
    meta: RequestMeta;
  }) {
    const { principal, userId, changes, meta } = options;
    const now = clock.now();
    return database.withTenant(principal.tenantId, async (tx) => {
      const ctx = await findUserContext(tx, { tenantId: principal.tenantId, userId });
      if (!ctx) throw userNotFound();
      // Whoever manages a user must hold at least what that user holds (an admin cannot touch an owner).
      assertCanGrant(principal, permissionsOf(ctx.role));
      let role = ctx.role;
      if (changes.roleId && changes.roleId !== ctx.role.id) {
        const next = await findRole(tx, { tenantId: principal.tenantId, roleId: changes.roleId });
        if (!next) throw roleNotFound();
        assertCanGrant(principal, permissionsOf(next));
        role = next;
      }
      if (changes.status === 'disabled' && userId === principal.userId) {
        throw new AppError('invalid_state', 'You cannot disable your own account', { reason: 'self_disable' });
      }
      const losesOwner = ctx.role.builtin === 'owner' && (role.builtin !== 'owner' || changes.status === 'disabled');
      const row = await updateUser(tx, {
        tenantId: principal.tenantId,
        userId,
        changes: {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(role.id !== ctx.role.id ? { roleId: role.id } : {}),
          ...(changes.status ? { status: changes.status } : {}),
        },
      });
      if (losesOwner && (await countActiveOwners(tx, principal.tenantId)) === 0) throw lastOwner();
      if (role.id !== ctx.role.id) {
        await recordAudit(tx, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'user.role_changed',
          target: { type: 'user', id: userId },
          meta,
          details: { from: ctx.role.name, to: role.name },
        });
      }
      if (changes.status && changes.status !== ctx.user.status) {
        if (changes.status === 'disabled') await revokeUserSessions(tx, { tenantId: principal.tenantId, userId, now });
        await recordAudit(tx, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: changes.status === 'disabled' ? 'user.disabled' : 'user.enabled',
          target: { type: 'user', id: userId },
          meta,
        });
      }
      return presentUser(row!, role);
    });
  }

  /** For a user who lost their authenticator: 2FA off, sessions ended; they enrol again. */
  async function resetTwoFactor(options: { principal: Principal; userId: string; meta: RequestMeta }) {
    const { principal, userId, meta } = options;
    const now = clock.now();
    return database.withTenant(principal.tenantId, async (tx) => {
      const ctx = await findUserContext(tx, { tenantId: principal.tenantId, userId });
      if (!ctx) throw userNotFound();
      assertCanGrant(principal, permissionsOf(ctx.role));
      const row = await updateUser(tx, {
        tenantId: principal.tenantId,
        userId,
        changes: { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
      });
      await replaceRecoveryCodes(tx, { tenantId: principal.tenantId, userId, codeHashes: [] });
      await revokeUserSessions(tx, { tenantId: principal.tenantId, userId, now });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'user.2fa_reset',
        target: { type: 'user', id: userId },
        meta,
      });
      return presentUser(row!, ctx.role);
    });
  }

  async function updateProfile(options: { principal: Principal; changes: { name?: string | undefined; locale?: 'es' | 'en' | null | undefined } }) {
    const { principal, changes } = options;
    await database.withTenant(principal.tenantId, (tx) =>
      updateUser(tx, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        changes: {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.locale !== undefined ? { locale: changes.locale } : {}),
        },
      }),
    );
  }

  return { list, get, create, update, resetTwoFactor, updateProfile };
}
