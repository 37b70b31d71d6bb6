import { sql } from 'drizzle-orm';
import {
  bigint,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, tstz, updatedAt } from '../../platform/db/columns';
import { tenants } from '../tenants/tenants.tables';

export const roles = pgTable(
  'roles',
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: 'cascade' }),
    id: id(),
    name: text().notNull(),
    /** Set for the five built-in roles, whose permissions come from code. */
    builtin: text(),
    description: text().notNull().default(''),
    permissions: text().array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex('roles_tenant_name_key').on(t.tenantId, sql`lower(${t.name})`)],
);

export type UserStatus = 'active' | 'disabled';

export const users = pgTable(
  'users',
  {
    tenantId: tenantId(),
    id: id(),
    email: text().notNull(),
    username: text(),
    name: text().notNull().default(''),
    roleId: uuid().notNull(),
    status: text().$type<UserStatus>().notNull().default('active'),
    passwordHash: text().notNull(),
    passwordChangedAt: tstz().notNull().defaultNow(),
    /** AES-GCM ciphertext of the TOTP secret; set from enrolment start, trusted once enabled. */
    totpSecret: text(),
    totpEnabledAt: tstz(),
    /** Highest RFC 6238 time step accepted so far: a code is usable once. */
    totpLastStep: bigint({ mode: 'number' }),
    locale: text(),
    lastLoginAt: tstz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('users_tenant_email_key').on(t.tenantId, t.email),
    uniqueIndex('users_tenant_username_key').on(t.tenantId, t.username),
    index('users_tenant_role_idx').on(t.tenantId, t.roleId),
    foreignKey({ columns: [t.tenantId], foreignColumns: [tenants.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.roleId], foreignColumns: [roles.tenantId, roles.id] }),
  ],
);

/**
 * Email addresses and usernames are unique across the installation, because the login form
 * carries no tenant. This directory is the one place that needs a lookup across tenants; it is
 * read only through the SECURITY DEFINER function `app_find_login`.
 */
export const loginDirectory = pgTable(
  'login_directory',
  {
    login: text().primaryKey(),
    tenantId: tenantId(),
    userId: uuid().notNull(),
  },
  (t) => [
    index('login_directory_tenant_user_idx').on(t.tenantId, t.userId),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
  ],
);

export type SessionStage = 'mfa' | 'active';

export const sessions = pgTable(
  'sessions',
  {
    tenantId: tenantId(),
    id: id(),
    userId: uuid().notNull(),
    secretHash: text().notNull(),
    stage: text().$type<SessionStage>().notNull(),
    totpFailures: integer().notNull().default(0),
    ip: text(),
    userAgent: text(),
    createdAt: createdAt(),
    lastSeenAt: tstz().notNull().defaultNow(),
    expiresAt: tstz().notNull(),
    revokedAt: tstz(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('sessions_tenant_user_idx').on(t.tenantId, t.userId),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
  ],
);

export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    tenantId: tenantId(),
    id: id(),
    userId: uuid().notNull(),
    codeHash: text().notNull(),
    usedAt: tstz(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('recovery_codes_tenant_user_idx').on(t.tenantId, t.userId),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    tenantId: tenantId(),
    id: id(),
    name: text().notNull(),
    /** The first characters of the key, shown in lists so a key can be recognised. */
    prefix: text().notNull(),
    secretHash: text().notNull(),
    permissions: text().array().notNull(),
    createdBy: uuid().notNull(),
    createdAt: createdAt(),
    lastUsedAt: tstz(),
    revokedAt: tstz(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.createdBy], foreignColumns: [users.tenantId, users.id] }),
  ],
);

/** Failed-login counters per account name and per IP. Holds no tenant data. */
export const authThrottle = pgTable('auth_throttle', {
  key: text().primaryKey(),
  windowStart: tstz().notNull(),
  failures: integer().notNull(),
  blockedUntil: tstz(),
});
