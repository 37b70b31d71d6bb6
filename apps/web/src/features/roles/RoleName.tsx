import type { BuiltinRole } from '@leadmaster/contracts';
import { useTranslation } from 'react-i18next';

// A type-only import keeps zod (which the contracts package pulls in at runtime) out of the bundle;
// `satisfies` makes the compiler flag this list if the contracts' built-in roles change.
const BUILTIN = ['owner', 'admin', 'manager', 'agent', 'viewer'] as const satisfies readonly BuiltinRole[];
const isBuiltin = (name: string | null | undefined): name is BuiltinRole => (BUILTIN as readonly string[]).includes(name ?? '');

/** A role's display name: built-in roles in the user's language, custom roles as their owners named them. */
export function useRoleLabel() {
  const { t } = useTranslation();
  return (role: { name: string; builtin?: string | null }) => {
    const key = role.builtin === undefined ? role.name : role.builtin;
    return isBuiltin(key) ? t(`roles.builtinNames.${key}`) : role.name;
  };
}

export function RoleName(props: { name: string; builtin?: string | null }) {
  const label = useRoleLabel();
  return <>{label(props)}</>;
}

export function useRoleDescription() {
  const { t } = useTranslation();
  return (role: { description: string; builtin: string | null }) => (isBuiltin(role.builtin) ? t(`roles.builtinDescriptions.${role.builtin}`) : role.description);
}
