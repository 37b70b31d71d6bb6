/**
 * The permission catalogue. Every API route declares one of these (or none, for routes any signed-in
 * user may call); roles are sets of them.
 */
export const PERMISSIONS = [
  'contacts.read',
  'contacts.write',
  'contacts.import',
  'contacts.export',
  'contacts.delete',
  'contacts.validate',
  'segments.manage',
  'blacklist.manage',
  'scoring.manage',
  'campaigns.read',
  'campaigns.manage',
  'campaigns.launch',
  'templates.manage',
  'inbox.read',
  'inbox.reply',
  'inbox.assign',
  'calendar.read',
  'calendar.manage',
  'channels.read',
  'channels.manage',
  'ai.manage',
  'billing.manage',
  'users.read',
  'users.manage',
  'roles.manage',
  'api_keys.manage',
  'audit.read',
  'settings.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const BUILTIN_ROLES = ['owner', 'admin', 'manager', 'agent', 'viewer'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

const all = [...PERMISSIONS];
/** What everyone may see. Not the team list: agents and viewers do not open the users screen. */
const readOnly: Permission[] = ['contacts.read', 'campaigns.read', 'inbox.read', 'calendar.read', 'channels.read'];

export const BUILTIN_ROLE_PERMISSIONS: Record<BuiltinRole, readonly Permission[]> = {
  owner: all,
  admin: all.filter((p) => p !== 'billing.manage'),
  manager: [
    ...readOnly,
    'users.read',
    'contacts.write',
    'contacts.import',
    'contacts.export',
    'contacts.delete',
    'contacts.validate',
    'segments.manage',
    'blacklist.manage',
    'scoring.manage',
    'campaigns.manage',
    'campaigns.launch',
    'templates.manage',
    'inbox.reply',
    'inbox.assign',
    'calendar.manage',
    'audit.read',
  ],
  agent: [...readOnly, 'contacts.write', 'inbox.reply', 'calendar.manage'],
  viewer: readOnly,
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
