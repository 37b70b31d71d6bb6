import type { Role } from '@leadmaster/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { useSession } from '../auth/session';
import { PermissionPicker } from './PermissionPicker';
import { useRoleDescription, useRoleLabel } from './RoleName';
import { rolesApi } from './roles.api';

export type RoleDialogState = { mode: 'create' } | { mode: 'edit'; role: Role } | { mode: 'view'; role: Role } | null;

/** Creates, edits or (for built-in roles and read-only users) shows a role with its permissions. */
export function RoleDialog(props: { state: RoleDialogState; onClose: () => void; catalogue: string[]; onSaved: (role: Role, created: boolean) => void }) {
  const { t } = useTranslation();
  const me = useSession();
  const roleLabel = useRoleLabel();
  const roleDescription = useRoleDescription();
  const { state } = props;
  const [values, setValues] = useState({ name: '', description: '', permissions: [] as string[] });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (!state) return;
    form.clear();
    setValues(
      state.mode === 'create'
        ? { name: '', description: '', permissions: [] }
        : { name: state.role.name, description: state.role.description, permissions: state.role.permissions },
    );
  }, [state]);

  const readOnly = state?.mode === 'view';
  const submit = async () => {
    if (!state || readOnly) return;
    if (!checks.required(values.name)) return form.setFields({ name: t('validation.required') });
    setBusy(true);
    try {
      const input = { name: values.name.trim(), description: values.description.trim(), permissions: values.permissions };
      const role = state.mode === 'create' ? await rolesApi.create(input) : await rolesApi.update(state.role.id, input);
      props.onSaved(role, state.mode === 'create');
      props.onClose();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  const title =
    state?.mode === 'create' ? t('roles.createTitle') : state?.mode === 'edit' ? t('roles.editTitle') : t('roles.viewTitle', { name: state ? roleLabel(state.role) : '' });
  return (
    <Dialog
      open={state !== null}
      onOpenChange={(open) => !open && !busy && props.onClose()}
      title={title}
      {...(readOnly && state ? { description: roleDescription(state.role) } : {})}
      size="lg"
      {...(readOnly ? {} : { onSubmit: () => void submit() })}
      footer={
        readOnly ? (
          <Button variant="secondary" onClick={props.onClose}>
            {t('common.close')}
          </Button>
        ) : (
          <>
            <Button variant="secondary" disabled={busy} onClick={props.onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy} loadingText={t('common.saving')}>
              {state?.mode === 'create' ? t('roles.create') : t('common.save')}
            </Button>
          </>
        )
      }
    >
      <div className="space-y-4">
        {readOnly && state?.role.builtin ? <Alert>{t('roles.builtinReadOnly')}</Alert> : null}
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        {readOnly ? null : (
          <>
            <Field label={t('roles.name')} error={form.field('name')}>
              {(p) => <Input {...p} name="name" autoFocus maxLength={60} value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
            </Field>
            <Field label={t('roles.description')} optional error={form.field('description')}>
              {(p) => <Textarea {...p} name="description" rows={2} maxLength={300} value={values.description} onChange={(e) => setValues({ ...values, description: e.target.value })} />}
            </Field>
          </>
        )}
        <div>
          <p className="mb-2 text-[13px] font-medium">{t('roles.permissions')}</p>
          <PermissionPicker
            catalogue={props.catalogue}
            value={values.permissions}
            onChange={(permissions) => setValues({ ...values, permissions })}
            grantable={me.permissions}
            readOnly={readOnly}
            error={form.field('permissions')}
          />
        </div>
      </div>
    </Dialog>
  );
}
