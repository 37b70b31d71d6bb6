import { and, asc, count, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { BUILTIN_ROLE_PERMISSIONS, type BuiltinRole } from '@leadmaster/contracts';
import type { Db, Tx } from '../../platform/db/database';
import { tenants } from '../tenants/tenants.tables';
import { loginDirectory, recoveryCodes, roles, sessions, users } from './identity.tables';
import { equalsAny } from '../../platform/db/equals-any';

export type UserRow = typeof users.$inferSelect;
export type RoleRow = typeof roles.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

/** A built-in role's permissions come from code, so a release that adds permissions updates them. */
export function permissionsOf(role: Pick<RoleRow, 'builtin' | 'permissions'>): string[] {
  return role.builtin ? [...(BUILTIN_ROLE_PERMISSIONS[role.builtin as BuiltinRole] ?? [])] : role.permissions;
}

export async function findLogin(tx: Tx, login: string): Promise<{ tenantId: string; userId: string } | null> {
  const [row] = await tx.execute<{ tenant_id: string; user_id: string }>(
    sql`select tenant_id, user_id from app_find_login(${login})`,
  );
  return row ? { tenantId: row.tenant_id, userId: row.user_id } : null;
}

export async function isSetupRequired(tx: Tx): Promise<boolean> {
  const [row] = await tx.execute<{ required: boolean }>(sql`select app_setup_required() as required`);
  return row?.required === true;
}

/** The user with the role and tenant that decide what it may do. */
export async function findUserContext(tx: Tx, options: { tenantId: string; userId: string }) {
  const [row] = await tx
    .select({ user: users, role: roles, tenant: tenants })
    .from(users)
    .innerJoin(roles, and(eq(roles.tenantId, users.tenantId), eq(roles.id, users.roleId)))
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(eq(users.tenantId, options.tenantId), eq(users.id, options.userId)));
  return row ?? null;
}

export async function findSessionContext(tx: Tx, options: { tenantId: string; sessionId: string }) {
  const [row] = await tx
    .select({ session: sessions, user: users, role: roles, tenant: tenants })
    .from(sessions)
    .innerJoin(users, and(eq(users.tenantId, sessions.tenantId), eq(users.id, sessions.userId)))
    .innerJoin(roles, and(eq(roles.tenantId, users.tenantId), eq(roles.id, users.roleId)))
    .innerJoin(tenants, eq(tenants.id, sessions.tenantId))
    .where(and(eq(sessions.tenantId, options.tenantId), eq(sessions.id, options.sessionId)));
  return row ?? null;
}

/**
 * What authenticating a request needs, and nothing more (no password hash, no TOTP secret), in one
 * statement outside any transaction: this runs on every request. The SECURITY DEFINER functions
 * look up exactly the (tenant, id) named by the credential.
 */
export type SessionPrincipalRow = {
  secret_hash: string;
  stage: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  user_id: string;
  email: string;
  user_status: string;
  totp_enabled: boolean;
  builtin: string | null;
  permissions: string[];
  tenant_status: string;
  require_two_factor: boolean;
};

export async function findSessionPrincipal(db: Db, options: { tenantId: string; sessionId: string }) {
  const [row] = await db.execute<SessionPrincipalRow>(sql`select * from app_session_principal(${options.tenantId}, ${options.sessionId})`);
  return row ?? null;
}

export type ApiKeyPrincipalRow = {
  secret_hash: string;
  name: string;
  key_permissions: string[];
  last_used_at: string | null;
  revoked_at: string | null;
  user_id: string;
  user_status: string;
  builtin: string | null;
  permissions: string[];
  tenant_status: string;
};

export async function findApiKeyPrincipal(db: Db, options: { tenantId: string; keyId: string }) {
  const [row] = await db.execute<ApiKeyPrincipalRow>(sql`select * from app_api_key_principal(${options.tenantId}, ${options.keyId})`);
  return row ?? null;
}

export async function insertSession(tx: Tx, values: typeof sessions.$inferInsert): Promise<SessionRow> {
  const [row] = await tx.insert(sessions).values(values).returning();
  return row!;
}

/** Ends sessions of a user (all, or all but one), so old cookies answer 401 from now on. */
export async function revokeUserSessions(
  tx: Tx,
  options: { tenantId: string; userId: string; exceptSessionId?: string; now: Date },
) {
  await tx
    .update(sessions)
    .set({ revokedAt: options.now })
    .where(
      and(
        eq(sessions.tenantId, options.tenantId),
        eq(sessions.userId, options.userId),
        isNull(sessions.revokedAt),
        options.exceptSessionId ? ne(sessions.id, options.exceptSessionId) : undefined,
      ),
    );
}

export async function revokeSession(tx: Tx, options: { tenantId: string; sessionId: string; now: Date }) {
  await tx
    .update(sessions)
    .set({ revokedAt: options.now })
    .where(and(eq(sessions.tenantId, options.tenantId), eq(sessions.id, options.sessionId)));
}

/**
 * Accepts a TOTP time step once per user: the conditional update is atomic, so of several
 * concurrent submissions of one code exactly one wins.
 */
export async function claimTotpStep(tx: Tx, options: { tenantId: string; userId: string; step: number }): Promise<boolean> {
  const rows = await tx
    .update(users)
    .set({ totpLastStep: options.step })
    .where(
      and(
        eq(users.tenantId, options.tenantId),
        eq(users.id, options.userId),
        sql`(${users.totpLastStep} is null or ${users.totpLastStep} < ${options.step})`,
      ),
    )
    .returning({ id: users.id });
  return rows.length === 1;
}

export async function useRecoveryCode(tx: Tx, options: { tenantId: string; userId: string; codeHash: string; now: Date }) {
  const rows = await tx
    .update(recoveryCodes)
    .set({ usedAt: options.now })
    .where(
      and(
        eq(recoveryCodes.tenantId, options.tenantId),
        eq(recoveryCodes.userId, options.userId),
        eq(recoveryCodes.codeHash, options.codeHash),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return rows.length === 1;
}

export async function replaceRecoveryCodes(tx: Tx, options: { tenantId: string; userId: string; codeHashes: string[] }) {
  await tx.delete(recoveryCodes).where(and(eq(recoveryCodes.tenantId, options.tenantId), eq(recoveryCodes.userId, options.userId)));
  if (options.codeHashes.length === 0) return;
  await tx
    .insert(recoveryCodes)
    .values(options.codeHashes.map((codeHash) => ({ tenantId: options.tenantId, userId: options.userId, codeHash })));
}

export async function updateUser(tx: Tx, options: { tenantId: string; userId: string; changes: Partial<typeof users.$inferInsert> }) {
  const [row] = await tx
    .update(users)
    .set(options.changes)
    .where(and(eq(users.tenantId, options.tenantId), eq(users.id, options.userId)))
    .returning();
  return row ?? null;
}

export async function insertUser(tx: Tx, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await tx.insert(users).values(values).returning();
  return row!;
}

/** Claims the login names in the installation-wide directory; false when one is taken. */
export async function claimLogins(tx: Tx, options: { tenantId: string; userId: string; logins: string[] }): Promise<boolean> {
  for (const login of options.logins) {
    const existing = await findLogin(tx, login);
    if (existing) return false;
  }
  const rows = await tx
    .insert(loginDirectory)
    .values(options.logins.map((login) => ({ login, tenantId: options.tenantId, userId: options.userId })))
    .onConflictDoNothing()
    .returning({ login: loginDirectory.login });
  return rows.length === options.logins.length;
}

/** A user as lists show it: never the password hash or TOTP secret. */
export const listedUserColumns = {
  id: users.id,
  email: users.email,
  username: users.username,
  name: users.name,
  roleId: users.roleId,
  status: users.status,
  totpEnabledAt: users.totpEnabledAt,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
};

export async function listUsers(tx: Tx, options: { tenantId: string; limit: number; afterId?: string }) {
  return tx
    .select({ user: listedUserColumns, role: { name: roles.name } })
    .from(users)
    .innerJoin(roles, and(eq(roles.tenantId, users.tenantId), eq(roles.id, users.roleId)))
    .where(and(eq(users.tenantId, options.tenantId), options.afterId ? gt(users.id, options.afterId) : undefined))
    .orderBy(asc(users.id))
    .limit(options.limit);
}

export async function findRole(tx: Tx, options: { tenantId: string; roleId: string }) {
  const [row] = await tx.select().from(roles).where(and(eq(roles.tenantId, options.tenantId), eq(roles.id, options.roleId)));
  return row ?? null;
}

export async function findBuiltinRole(tx: Tx, options: { tenantId: string; builtin: BuiltinRole }) {
  const [row] = await tx
    .select()
    .from(roles)
    .where(and(eq(roles.tenantId, options.tenantId), eq(roles.builtin, options.builtin)));
  return row ?? null;
}

export async function listRolesWithCounts(tx: Tx, tenantId: string) {
  return tx
    .select({ role: roles, userCount: count(users.id) })
    .from(roles)
    .leftJoin(users, and(eq(users.tenantId, roles.tenantId), eq(users.roleId, roles.id)))
    .where(eq(roles.tenantId, tenantId))
    .groupBy(roles.tenantId, roles.id)
    .orderBy(sql`${roles.builtin} is null`, asc(roles.name));
}

export async function countActiveOwners(tx: Tx, tenantId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .innerJoin(roles, and(eq(roles.tenantId, users.tenantId), eq(roles.id, users.roleId)))
    .where(and(eq(users.tenantId, tenantId), eq(roles.builtin, 'owner'), eq(users.status, 'active')));
  return row?.n ?? 0;
}

export async function userBelongsToTenant(tx: Tx, options: { tenantId: string; userId: string }): Promise<boolean> {
  const [row] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, options.tenantId), eq(users.id, options.userId)));
  return Boolean(row);
}

/** Display names of some users (for lists that show who did what). */
export async function userNames(tx: Tx, options: { tenantId: string; userIds: string[] }): Promise<Map<string, string>> {
  if (options.userIds.length === 0) return new Map();
  const rows = await tx
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.tenantId, options.tenantId), equalsAny(users.id, options.userIds)));
  return new Map(rows.map((r) => [r.id, r.name || r.email]));
}
