import { ShieldCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../lib/api';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { authApi } from './auth.api';

/** The second sign-in step: a code from the authenticator app, or one recovery code. */
export function TotpStep({ onDone, onRestart }: { onDone: () => Promise<void>; onRestart: (expired: boolean) => void }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'code' | 'recovery'>('code');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = mode === 'code' ? value.replace(/\s/g, '') : value.trim();
    if (mode === 'code' && !/^\d{6}$/.test(input)) return form.setFields({ value: t('validation.totp') });
    if (mode === 'recovery' && !/^[A-Za-z0-9-]{8,24}$/.test(input)) return form.setFields({ value: t('validation.recoveryCode') });
    setBusy(true);
    try {
      await authApi.loginTotp(mode === 'code' ? { code: input } : { recoveryCode: input });
      await onDone();
    } catch (error) {
      // The pending sign-in lapsed (or was never there): start again from the password.
      if (isApiError(error, 'unauthenticated')) return onRestart(true);
      const next = toFormErrors(error, t, { code: 'value', recoveryCode: 'value' });
      form.setAll(isApiError(error, 'invalid_totp') ? { fields: { value: next.message ?? '' }, message: null } : next);
      setValue('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="rounded-xl border border-border bg-surface p-6 shadow-sm sm:p-7">
      <div className="mb-4 flex size-10 items-center justify-center rounded-lg bg-primary-soft text-link">
        <ShieldCheck className="size-5" aria-hidden />
      </div>
      <h1 className="text-lg font-semibold">{t('login.totpTitle')}</h1>
      <p className="mt-1 text-sm text-muted">{mode === 'code' ? t('login.totpBody') : t('login.recoveryBody')}</p>
      <form noValidate onSubmit={submit} className="mt-6 space-y-4">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <Field label={mode === 'code' ? t('login.code') : t('login.recoveryCode')} error={form.field('value')}>
          {(p) =>
            mode === 'code' ? (
              <Input
                {...p}
                key="code"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]*"
                maxLength={7}
                autoFocus
                className="text-center font-mono text-lg tracking-[0.4em]"
                value={value}
                onChange={(e) => setValue(e.target.value.replace(/[^\d ]/g, ''))}
              />
            ) : (
              <Input {...p} key="recovery" name="recoveryCode" autoComplete="off" autoFocus className="font-mono" value={value} onChange={(e) => setValue(e.target.value)} />
            )
          }
        </Field>
        <Button type="submit" className="w-full" loading={busy} loadingText={t('login.verifying')}>
          {t('login.verify')}
        </Button>
      </form>
      <div className="mt-5 flex flex-col items-start gap-2 text-sm">
        <Button
          variant="link"
          onClick={() => {
            setMode(mode === 'code' ? 'recovery' : 'code');
            setValue('');
            form.clear();
          }}
        >
          {mode === 'code' ? t('login.useRecovery') : t('login.useCode')}
        </Button>
        <Button variant="link" className="text-muted!" onClick={() => onRestart(false)}>
          {t('login.backToLogin')}
        </Button>
      </div>
    </div>
  );
}
