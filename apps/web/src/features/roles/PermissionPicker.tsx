import { useTranslation } from 'react-i18next';
import { Checkbox } from '../../ui/Checkbox';

type Group = { prefix: string; permissions: string[] };

/** "contacts.read", "contacts.write", "users.read" → contacts: [..], users: [..] in catalogue order. */
export function groupPermissions(catalogue: string[]): Group[] {
  const groups = new Map<string, string[]>();
  for (const permission of catalogue) {
    const prefix = permission.slice(0, permission.indexOf('.'));
    groups.set(prefix, [...(groups.get(prefix) ?? []), permission]);
  }
  return [...groups].map(([prefix, permissions]) => ({ prefix, permissions }));
}

export function usePermissionLabels() {
  const { t } = useTranslation();
  return {
    // Unknown names (a newer server) fall back to the raw permission name.
    permission: (p: string) => t(`permission.${p}` as 'permission.contacts.read', { defaultValue: p }),
    group: (prefix: string) => t(`permissionGroups.${prefix}` as 'permissionGroups.contacts', { defaultValue: prefix }),
  };
}

/**
 * The permission catalogue as grouped checkboxes. `grantable` (when given) limits what can be ticked
 * to what the current user holds; `readOnly` shows the selection without letting it change.
 */
export function PermissionPicker(props: {
  catalogue: string[];
  value: string[];
  onChange?: (value: string[]) => void;
  grantable?: string[];
  readOnly?: boolean;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const labels = usePermissionLabels();
  const selected = new Set(props.value);
  const canTick = (p: string) => !props.readOnly && (!props.grantable || props.grantable.includes(p));
  const set = (permissions: string[], on: boolean) => {
    const next = new Set(selected);
    for (const p of permissions) {
      if (!canTick(p)) continue;
      if (on) next.add(p);
      else next.delete(p);
    }
    props.onChange?.(props.catalogue.filter((p) => next.has(p)));
  };
  return (
    <div>
      {props.error ? (
        <p role="alert" className="mb-2 text-[13px] text-danger">
          {props.error}
        </p>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-2">
        {groupPermissions(props.catalogue).map((group) => {
          const count = group.permissions.filter((p) => selected.has(p)).length;
          const all = count === group.permissions.length ? true : count > 0 ? 'indeterminate' : false;
          const tickable = group.permissions.some(canTick);
          return (
            <fieldset key={group.prefix} className="rounded-md border border-border p-3">
              <legend className="sr-only">{labels.group(group.prefix)}</legend>
              {group.permissions.length > 1 ? (
                <Checkbox
                  checked={all}
                  disabled={!tickable}
                  onCheckedChange={(on) => set(group.permissions, on)}
                  label={<span className="font-medium">{labels.group(group.prefix)}</span>}
                  className="mb-2"
                />
              ) : (
                <p className="mb-2 text-sm font-medium" aria-hidden>
                  {labels.group(group.prefix)}
                </p>
              )}
              <div className={group.permissions.length > 1 ? 'space-y-1.5 pl-6' : 'space-y-1.5'}>
                {group.permissions.map((p) => (
                  <Checkbox
                    key={p}
                    checked={selected.has(p)}
                    disabled={!canTick(p)}
                    onCheckedChange={(on) => set([p], on)}
                    label={labels.permission(p)}
                    description={props.grantable && !props.grantable.includes(p) && !props.readOnly ? t('roles.notYours') : undefined}
                  />
                ))}
              </div>
            </fieldset>
          );
        })}
      </div>
    </div>
  );
}
