import { and, eq } from 'drizzle-orm';
import type { Role } from '@leadmaster/contracts';
import type { ModuleDeps } from '../../platform/deps';
import type { Principal } from '../../platform/http/auth';
import type { RequestMeta } from '../../platform/http/request-meta';
import { AppError } from '../../platform/errors';
import { actorOf, recordAudit } from '../audit';
import { roles, users } from './identity.tables';
import { findRole, listRolesWithCounts, permissionsOf, type RoleRow } from './identity.repository';
import { assertCanGrant } from './users.service';
import { roleNotFound } from './identity.errors';

export function presentRole(role: RoleRow, userCount: number): Role {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    builtin: role.builtin,
    permissions: permissionsOf(role),
    userCount,
  };
}

const builtinIsFixed = () => new AppError('invalid_state', 'Built-in roles cannot be changed; create a custom role instead', { reason: 'builtin_role' });

export function createRolesService(deps: ModuleDeps) {
  const { database } = deps;

  async function list(principal: Principal) {
    const rows = await database.withTenant(principal.tenantId, (tx) => listRolesWithCounts(tx, principal.tenantId));
    return rows.map((r) => presentRole(r.role, r.userCount));
  }

  async function create(options: { principal: Principal; input: { name: string; description: string; permissions: string[] }; meta: RequestMeta }) {
    const { principal, input, meta } = options;
    assertCanGrant(principal, input.permissions);
    return database.withTenant(principal.tenantId, async (tx) => {
      const [row] = await tx
        .insert(roles)
        .values({ tenantId: principal.tenantId, name: input.name, description: input.description, permissions: [...new Set(input.permissions)] })
        .returning();
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'role.created',
        target: { type: 'role', id: row!.id },
        meta,
        details: { name: input.name, permissions: row!.permissions },
      });
      return presentRole(row!, 0);
    });
  }

  async function update(options: {
    principal: Principal;
    roleId: string;
    changes: { name?: string | undefined; description?: string | undefined; permissions?: string[] | undefined };
    meta: RequestMeta;
  }) {
    const { principal, roleId, changes, meta } = options;
    return database.withTenant(principal.tenantId, async (tx) => {
      const role = await findRole(tx, { tenantId: principal.tenantId, roleId });
      if (!role) throw roleNotFound();
      if (role.builtin) throw builtinIsFixed();
      assertCanGrant(principal, role.permissions);
      if (changes.permissions) assertCanGrant(principal, changes.permissions);
      const [row] = await tx
        .update(roles)
        .set({
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.permissions ? { permissions: [...new Set(changes.permissions)] } : {}),
        })
        .where(and(eq(roles.tenantId, principal.tenantId), eq(roles.id, roleId)))
        .returning();
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'role.updated',
        target: { type: 'role', id: roleId },
        meta,
        details: { before: { name: role.name, permissions: role.permissions }, after: { name: row!.name, permissions: row!.permissions } },
      });
      const holders = await tx.$count(users, and(eq(users.tenantId, principal.tenantId), eq(users.roleId, roleId)));
      return presentRole(row!, holders);
    });
  }

  async function remove(options: { principal: Principal; roleId: string; meta: RequestMeta }) {
    const { principal, roleId, meta } = options;
    await database.withTenant(principal.tenantId, async (tx) => {
      const role = await findRole(tx, { tenantId: principal.tenantId, roleId });
      if (!role) throw roleNotFound();
      if (role.builtin) throw builtinIsFixed();
      const holders = await tx.$count(users, and(eq(users.tenantId, principal.tenantId), eq(users.roleId, roleId)));
      if (holders > 0) throw new AppError('invalid_state', `${holders} user(s) still have this role`, { userCount: holders, reason: 'role_in_use' });
      await tx.delete(roles).where(and(eq(roles.tenantId, principal.tenantId), eq(roles.id, roleId)));
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action: 'role.deleted',
        target: { type: 'role', id: roleId },
        meta,
        details: { name: role.name },
      });
    });
  }

  return { list, create, update, remove };
}
