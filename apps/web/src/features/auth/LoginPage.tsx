import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, PasswordInput } from '../../ui/Input';
import { authApi, useSignedIn } from './auth.api';
import { AuthLayout } from './AuthLayout';
import { TotpStep } from './TotpStep';

export function LoginPage() {
  const { t } = useTranslation();
  const signedIn = useSignedIn();
  const [step, setStep] = useState<'password' | 'totp'>('password');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const form = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const fields: Record<string, string> = {};
    if (!checks.required(login)) fields.login = t('validation.required');
    if (!password) fields.password = t('validation.required');
    form.setFields(fields);
    if (Object.keys(fields).length) return;
    setBusy(true);
    try {
      const result = await authApi.login({ login: login.trim(), password });
      setPassword('');
      if (result.status === 'totp_required') setStep('totp');
      else await signedIn();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  if (step === 'totp') {
    return (
      <AuthLayout>
        <TotpStep
          onDone={signedIn}
          onRestart={(expired) => {
            setStep('password');
            form.clear();
            setNotice(expired ? t('login.expired') : null);
          }}
        />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout>
      <div className="rounded-xl border border-border bg-surface p-6 shadow-sm sm:p-7">
        <h1 className="text-lg font-semibold">{t('login.title')}</h1>
        <p className="mt-1 text-sm text-muted">{t('login.subtitle')}</p>
        <form noValidate onSubmit={submit} className="mt-6 space-y-4">
          {notice ? <Alert tone="warning">{notice}</Alert> : null}
          {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
          <Field label={t('login.login')} error={form.field('login')}>
            {(p) => <Input {...p} name="login" autoComplete="username" autoFocus value={login} onChange={(e) => setLogin(e.target.value)} />}
          </Field>
          <Field label={t('login.password')} error={form.field('password')}>
            {(p) => (
              <PasswordInput {...p} name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            )}
          </Field>
          <Button type="submit" className="w-full" loading={busy} loadingText={t('login.submitting')}>
            {t('login.submit')}
          </Button>
        </form>
      </div>
    </AuthLayout>
  );
}

