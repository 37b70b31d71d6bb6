import { ShieldCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../lib/api';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { CopyButton } from '../../ui/CopyButton';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { RecoveryCodes } from './RecoveryCodes';
import { groupKey, securityApi, type TotpEnrolment } from './security.api';

/**
 * Turning on two-factor: get a secret (QR + manual key), prove the app has it with one code, then
 * keep the recovery codes. `onDone` runs only after the codes were acknowledged, so a session refresh
 * (which may swap the whole screen) cannot hide them early.
 */
export function TwoFactorEnrolment({ account, onDone }: { account: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();

  const start = async () => {
    setBusy(true);
    form.clear();
    try {
      setEnrolment(await securityApi.startTwoFactor());
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    const clean = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(clean)) return form.setFields({ code: t('validation.totp') });
    setBusy(true);
    try {
      const result = await securityApi.confirmTwoFactor(clean);
      setCodes(result.recoveryCodes);
    } catch (error) {
      const next = toFormErrors(error, t);
      form.setAll(isApiError(error, 'invalid_totp') ? { fields: { code: next.message ?? '' }, message: null } : next);
    } finally {
      setBusy(false);
    }
  };

  if (codes) return <RecoveryCodes codes={codes} account={account} onDone={onDone} />;

  if (!enrolment) {
    return (
      <div className="space-y-4">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <p className="text-sm text-muted">{t('twoFactor.intro')}</p>
        <Button icon={<ShieldCheck className="size-4" aria-hidden />} loading={busy} loadingText={t('twoFactor.starting')} onClick={() => void start()}>
          {t('twoFactor.start')}
        </Button>
      </div>
    );
  }

  return (
    <form noValidate onSubmit={confirm} className="space-y-5">
      {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
      <div className="flex flex-col gap-5 sm:flex-row sm:items-start">
        <img src={enrolment.qrDataUrl} alt={t('twoFactor.qrAlt')} width={176} height={176} className="size-44 shrink-0 self-center rounded-md bg-white p-2 sm:self-start" />
        <div className="min-w-0 space-y-3">
          <p className="text-sm">{t('twoFactor.scan')}</p>
          <div>
            <p className="text-[13px] text-muted">{t('twoFactor.manualKey')}</p>
            <div className="mt-1.5 flex flex-wrap items-center gap-2">
              <code aria-label={t('twoFactor.manualKeyLabel')} data-testid="totp-secret" className="rounded-md border border-border bg-surface-2 px-2.5 py-1.5 font-mono text-sm break-all select-all">
                {groupKey(enrolment.secret)}
              </code>
              <CopyButton text={enrolment.secret} label={t('twoFactor.copyKey')} variant="ghost" />
            </div>
          </div>
        </div>
      </div>
      <div className="space-y-3">
        <Field label={t('twoFactor.code')} error={form.field('code')} className="max-w-56">
          {(p) => (
            <Input
              {...p}
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              className="font-mono tracking-[0.3em]"
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/[^\d ]/g, ''))}
            />
          )}
        </Field>
        <Button type="submit" loading={busy} loadingText={t('twoFactor.confirming')}>
          {t('twoFactor.confirm')}
        </Button>
      </div>
    </form>
  );
}
