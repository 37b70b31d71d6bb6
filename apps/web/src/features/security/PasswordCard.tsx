import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardFooter, CardHeader } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { PasswordInput } from '../../ui/Input';
import { useToast } from '../../ui/Toast';
import { securityApi } from './security.api';

const EMPTY = { current: '', next: '', confirm: '' };

export function PasswordCard() {
  const { t } = useTranslation();
  const toast = useToast();
  const [values, setValues] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const fields: Record<string, string> = {};
    if (!values.current) fields.currentPassword = t('validation.required');
    if (!checks.password(values.next)) fields.newPassword = t('validation.passwordLength');
    else if (values.confirm !== values.next) fields.confirm = t('validation.passwordMismatch');
    form.setFields(fields);
    if (Object.keys(fields).length) return;
    setBusy(true);
    try {
      await securityApi.changePassword({ currentPassword: values.current, newPassword: values.next });
      setValues(EMPTY);
      toast.success(t('security.password.done'));
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card>
      <CardHeader title={t('security.password.title')} description={t('security.password.body')} />
      <form noValidate onSubmit={submit}>
        <CardBody className="space-y-4">
          {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
          {/* Lets password managers tie the new password to this account. */}
          <input type="text" name="username" autoComplete="username" hidden readOnly />
          <Field label={t('security.password.current')} error={form.field('currentPassword')} className="sm:max-w-[calc(50%-0.5rem)]">
            {(p) => (
              <PasswordInput {...p} name="currentPassword" autoComplete="current-password" value={values.current} onChange={(e) => setValues({ ...values, current: e.target.value })} />
            )}
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t('security.password.new')} hint={t('setup.passwordHint')} error={form.field('newPassword')}>
              {(p) => <PasswordInput {...p} name="newPassword" autoComplete="new-password" value={values.next} onChange={(e) => setValues({ ...values, next: e.target.value })} />}
            </Field>
            <Field label={t('security.password.confirm')} error={form.field('confirm')}>
              {(p) => (
                <PasswordInput {...p} name="confirmPassword" autoComplete="new-password" value={values.confirm} onChange={(e) => setValues({ ...values, confirm: e.target.value })} />
              )}
            </Field>
          </div>
        </CardBody>
        <CardFooter>
          <Button type="submit" loading={busy} loadingText={t('security.password.submitting')}>
            {t('security.password.submit')}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}
