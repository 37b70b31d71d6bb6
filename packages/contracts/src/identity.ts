import { z } from 'zod';
import { Locale } from './common';
import { Country, Slug, Tenant, TimeZone } from './tenants';
import { PERMISSIONS } from './permissions';

/** Long enough to resist guessing; capped so hashing cannot be turned into a denial of service. */
export const Password = z.string().min(10, 'at least 10 characters').max(256);
export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
export const Username = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, dot, dash and underscore')
  .refine((u) => !u.includes('@'), 'cannot contain @')
  .transform((u) => u.toLowerCase());
export const PermissionName = z.enum(PERMISSIONS);
export const TotpCode = z.string().regex(/^\d{6}$/, 'six digits');
export const RecoveryCode = z.string().regex(/^[A-Za-z0-9-]{8,24}$/);

export const SetupBody = z.strictObject({
  tenant: z.strictObject({
    name: z.string().trim().min(1).max(120),
    slug: Slug,
    timezone: TimeZone,
    country: Country,
    locale: Locale,
  }),
  owner: z.strictObject({
    email: Email,
    username: Username.optional(),
    name: z.string().trim().min(1).max(120),
    password: Password,
  }),
});
export type SetupBody = z.input<typeof SetupBody>;

export const LoginBody = z.strictObject({
  login: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(256),
});

export const LoginTotpBody = z.union([
  z.strictObject({ code: TotpCode }),
  z.strictObject({ recoveryCode: RecoveryCode }),
]);

export const LoginResult = z.object({
  status: z.enum(['ok', 'totp_required']),
});

export const User = z.object({
  id: z.string(),
  email: z.string(),
  username: z.string().nullable(),
  name: z.string(),
  roleId: z.string(),
  roleName: z.string(),
  status: z.enum(['active', 'disabled']),
  twoFactorEnabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
export type User = z.infer<typeof User>;

export const Me = z.object({
  user: User.extend({ locale: Locale.nullable() }),
  tenant: Tenant,
  permissions: z.array(z.string()),
  /** The tenant requires two-factor and this user has not enrolled: only enrolment is allowed. */
  mustEnrolTwoFactor: z.boolean(),
});
export type Me = z.infer<typeof Me>;

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});

export const TotpEnrolment = z.object({
  secret: z.string(),
  otpauthUrl: z.string(),
  qrDataUrl: z.string(),
});
export const ConfirmTotpBody = z.strictObject({ code: TotpCode });
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export const DisableTotpBody = z.strictObject({ password: z.string().min(1).max(256) });

export const CreateUserBody = z.strictObject({
  email: Email,
  username: Username.optional(),
  name: z.string().trim().min(1).max(120),
  roleId: z.uuid(),
  password: Password,
});
export const UpdateUserBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  roleId: z.uuid().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});
export const UpdateProfileBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  locale: Locale.nullable().optional(),
});

export const Role = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  builtin: z.string().nullable(),
  permissions: z.array(z.string()),
  userCount: z.number(),
});
export type Role = z.infer<typeof Role>;
export const CreateRoleBody = z.strictObject({
  name: z.string().trim().min(1).max(60),
  description: z.string().trim().max(300).default(''),
  permissions: z.array(PermissionName).max(PERMISSIONS.length),
});
export const UpdateRoleBody = CreateRoleBody.partial();

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdBy: z.string(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  permissions: z.array(PermissionName).min(1).max(PERMISSIONS.length),
});
export const CreatedApiKey = z.object({ apiKey: ApiKey, token: z.string() });

export const AuditEvent = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  outcome: z.enum(['success', 'failure']),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
export const AuditQuery = z.object({
  actorId: z.uuid().optional(),
  action: z.string().max(80).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const SetupStatus = z.object({ setupRequired: z.boolean() });
