import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { PasswordInput } from '../../ui/Input';

/** Asks for the password before a sensitive change; `onConfirm` throws to keep the dialog open. */
export function PasswordPrompt(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: string;
  confirmLabel: string;
  tone?: 'primary' | 'danger';
  onConfirm: (password: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  const close = (open: boolean) => {
    if (busy) return;
    if (!open) {
      setPassword('');
      form.clear();
    }
    props.onOpenChange(open);
  };
  return (
    <Dialog
      open={props.open}
      onOpenChange={close}
      title={props.title}
      description={props.description}
      size="sm"
      onSubmit={async () => {
        if (!password) return form.setFields({ password: t('validation.required') });
        setBusy(true);
        form.clear();
        try {
          await props.onConfirm(password);
          setPassword('');
        } catch (error) {
          form.setAll(toFormErrors(error, t, { currentPassword: 'password' }));
        } finally {
          setBusy(false);
        }
      }}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={() => close(false)}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" variant={props.tone ?? 'primary'} loading={busy}>
            {props.confirmLabel}
          </Button>
        </>
      }
    >
      {form.errors.message ? <Alert tone="danger" className="mb-4">{form.errors.message}</Alert> : null}
      <Field label={t('security.twoFactor.password')} error={form.field('password')}>
        {(p) => <PasswordInput {...p} name="password" autoComplete="current-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />}
      </Field>
    </Dialog>
  );
}
