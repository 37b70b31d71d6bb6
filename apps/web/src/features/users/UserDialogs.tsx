import type { Role, User } from '@leadmaster/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Dialog, FormDialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input, PasswordInput } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { useSession } from '../auth/session';
import { useRoleLabel } from '../roles/RoleName';
import { usersApi, type UserChanges } from './users.api';

/** Roles to offer: all of them, those granting more than the current user holds disabled (the server refuses them). */
function useRoleOptions(roles: Role[]) {
  const { permissions } = useSession();
  const label = useRoleLabel();
  return roles.map((role) => ({
    value: role.id,
    label: label(role),
    textValue: label(role),
    disabled: role.permissions.some((p) => !permissions.includes(p)),
  }));
}

const EMPTY = { name: '', email: '', username: '', roleId: '', password: '' };

export function CreateUserDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; roles: Role[]; onCreated: (user: User) => void }) {
  const { t } = useTranslation();
  const options = useRoleOptions(props.roles);
  const defaultRole = props.roles.find((r) => r.builtin === 'agent')?.id ?? options.find((o) => !o.disabled)?.value ?? '';
  const [values, setValues] = useState({ ...EMPTY, roleId: defaultRole });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setValues({ ...EMPTY, roleId: defaultRole });
      form.clear();
    }
  }, [props.open]);

  const submit = async () => {
    const fields: Record<string, string> = {};
    if (!checks.required(values.name)) fields.name = t('validation.required');
    if (!checks.email(values.email)) fields.email = t('validation.email');
    if (values.username && !checks.username(values.username)) fields.username = t('validation.username');
    if (!values.roleId) fields.roleId = t('validation.required');
    if (!checks.password(values.password)) fields.password = t('validation.passwordLength');
    form.setFields(fields);
    if (Object.keys(fields).length) return;
    setBusy(true);
    try {
      const user = await usersApi.create({
        name: values.name.trim(),
        email: values.email.trim(),
        roleId: values.roleId,
        password: values.password,
        ...(values.username.trim() ? { username: values.username.trim() } : {}),
      });
      props.onCreated(user);
      props.onOpenChange(false);
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={t('users.createTitle')}
      description={t('users.createBody')}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('users.create')}
      busyLabel={t('common.creating')}
      error={form.errors.message}
    >
      <div className="space-y-4">
        <Field label={t('users.name')} error={form.field('name')}>
          {(p) => <Input {...p} name="name" autoFocus autoComplete="off" value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('users.email')} error={form.field('email')}>
            {(p) => <Input {...p} name="email" type="email" autoComplete="off" value={values.email} onChange={(e) => setValues({ ...values, email: e.target.value })} />}
          </Field>
          <Field label={t('users.username')} optional error={form.field('username')}>
            {(p) => <Input {...p} name="username" autoComplete="off" value={values.username} onChange={(e) => setValues({ ...values, username: e.target.value })} />}
          </Field>
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('users.role')} error={form.field('roleId')}>
            {(p) => <Select {...p} value={values.roleId} onValueChange={(roleId) => setValues({ ...values, roleId })} options={options} />}
          </Field>
          <Field label={t('users.initialPassword')} hint={t('setup.passwordHint')} error={form.field('password')}>
            {(p) => <PasswordInput {...p} name="password" autoComplete="new-password" value={values.password} onChange={(e) => setValues({ ...values, password: e.target.value })} />}
          </Field>
        </div>
      </div>
    </FormDialog>
  );
}

export function EditUserDialog(props: { user: User | null; onClose: () => void; roles: Role[]; onSaved: (user: User) => void }) {
  const { t } = useTranslation();
  const me = useSession();
  const options = useRoleOptions(props.roles);
  const [values, setValues] = useState({ name: '', roleId: '' });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  const user = props.user;
  useEffect(() => {
    if (user) setValues({ name: user.name, roleId: user.roleId });
    form.clear();
  }, [user]);

  const submit = async () => {
    if (!user) return;
    if (!checks.required(values.name)) return form.setFields({ name: t('validation.required') });
    const changes: UserChanges = {};
    if (values.name.trim() !== user.name) changes.name = values.name.trim();
    if (values.roleId !== user.roleId) changes.roleId = values.roleId;
    if (Object.keys(changes).length === 0) return props.onClose();
    setBusy(true);
    try {
      props.onSaved(await usersApi.update(user.id, changes));
      props.onClose();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={user !== null}
      onOpenChange={(open) => !open && !busy && props.onClose()}
      title={t('users.editTitle', { name: user?.name ?? '' })}
      description={user?.email}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy} loadingText={t('common.saving')}>
            {t('common.save')}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <Field label={t('users.name')} error={form.field('name')}>
          {(p) => <Input {...p} name="name" autoFocus value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
        </Field>
        <Field label={t('users.role')} error={form.field('roleId')}>
          {(p) => (
            <Select
              {...p}
              // Changing one's own role could lock oneself out of this very screen: left to another admin.
              disabled={user?.id === me.user.id}
              value={values.roleId}
              onValueChange={(roleId) => setValues({ ...values, roleId })}
              options={options}
            />
          )}
        </Field>
      </div>
    </Dialog>
  );
}
