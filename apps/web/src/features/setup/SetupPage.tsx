import { useQueryClient } from '@tanstack/react-query';
import { Building2, UserRound } from 'lucide-react';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage, isLanguage, LANGUAGES, type Language } from '../../i18n';
import { isApiError } from '../../lib/api';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { browserTimeZone, countryOptions, timeZoneOptions } from '../../lib/regions';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, PasswordInput } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { useToast } from '../../ui/Toast';
import { useSignedIn } from '../auth/auth.api';
import { AuthLayout } from '../auth/AuthLayout';
import { runSetup, SETUP_KEY, slugify } from './setup.api';

const WORKSPACE_FIELDS = ['tenant.name', 'tenant.slug', 'tenant.timezone', 'tenant.country', 'tenant.locale'];

/** First run of an empty installation: the workspace, then its owner (who ends up signed in). */
export function SetupPage() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const signedIn = useSignedIn();
  const toast = useToast();
  const [step, setStep] = useState<1 | 2>(1);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  const [tenant, setTenant] = useState({
    name: '',
    slug: '',
    timezone: browserTimeZone(),
    country: 'AR',
    locale: currentLanguage() as Language,
  });
  const [slugEdited, setSlugEdited] = useState(false);
  const [localeEdited, setLocaleEdited] = useState(false);
  // The workspace language follows the screen's language switch until chosen explicitly.
  useEffect(() => {
    if (!localeEdited && isLanguage(i18n.language)) setTenant((current) => ({ ...current, locale: i18n.language as Language }));
  }, [i18n.language, localeEdited]);
  const [owner, setOwner] = useState({ name: '', email: '', username: '', password: '', confirm: '' });
  const countries = useMemo(() => countryOptions(i18n.language), [i18n.language]);
  const zones = useMemo(() => timeZoneOptions(tenant.timezone), [tenant.timezone]);

  const checkWorkspace = () => {
    const fields: Record<string, string> = {};
    if (!checks.required(tenant.name)) fields['tenant.name'] = t('validation.required');
    if (!checks.slug(tenant.slug)) fields['tenant.slug'] = t('validation.slug');
    form.setFields(fields);
    return Object.keys(fields).length === 0;
  };

  const checkOwner = () => {
    const fields: Record<string, string> = {};
    if (!checks.required(owner.name)) fields['owner.name'] = t('validation.required');
    if (!checks.email(owner.email)) fields['owner.email'] = t('validation.email');
    if (owner.username && !checks.username(owner.username)) fields['owner.username'] = t('validation.username');
    if (!checks.password(owner.password)) fields['owner.password'] = t('validation.passwordLength');
    else if (owner.confirm !== owner.password) fields.confirm = t('validation.passwordMismatch');
    form.setFields(fields);
    return Object.keys(fields).length === 0;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (step === 1) {
      if (checkWorkspace()) setStep(2);
      return;
    }
    if (!checkOwner()) return;
    setBusy(true);
    try {
      await runSetup({
        tenant: { ...tenant, name: tenant.name.trim() },
        owner: {
          name: owner.name.trim(),
          email: owner.email.trim(),
          password: owner.password,
          ...(owner.username.trim() ? { username: owner.username.trim() } : {}),
        },
      });
      queryClient.setQueryData(SETUP_KEY, { setupRequired: false });
      await signedIn();
    } catch (error) {
      if (isApiError(error, 'not_found')) {
        // Someone finished the setup first: this installation now wants a sign-in.
        toast.info(t('setup.alreadyDone'));
        queryClient.setQueryData(SETUP_KEY, { setupRequired: false });
        return;
      }
      const errors = toFormErrors(error, t);
      form.setAll(errors);
      if (Object.keys(errors.fields).some((f) => WORKSPACE_FIELDS.includes(f))) setStep(1);
    } finally {
      setBusy(false);
    }
  };

  const StepIcon = step === 1 ? Building2 : UserRound;
  return (
    <AuthLayout wide>
      <div className="rounded-xl border border-border bg-surface shadow-sm">
        <div className="border-b border-border px-6 py-5 sm:px-7">
          <p className="text-xs font-medium tracking-wide text-muted uppercase">{t('setup.step', { current: step, total: 2 })}</p>
          <h1 className="mt-1 text-lg font-semibold">{t('setup.title')}</h1>
          <p className="mt-1 text-sm text-muted">{t('setup.subtitle')}</p>
          <div className="mt-4 flex gap-1.5" aria-hidden>
            <span className="h-1 flex-1 rounded-full bg-primary" />
            <span className={`h-1 flex-1 rounded-full ${step === 2 ? 'bg-primary' : 'bg-border-strong'}`} />
          </div>
        </div>
        <form noValidate onSubmit={submit} className="space-y-4 px-6 py-6 sm:px-7">
          <h2 className="flex items-center gap-2 text-[15px] font-semibold">
            <StepIcon className="size-4 text-muted" aria-hidden />
            {step === 1 ? t('setup.workspaceStep') : t('setup.ownerStep')}
          </h2>
          {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
          {step === 1 ? (
            <>
              <Field label={t('setup.workspaceName')} error={form.field('tenant.name')}>
                {(p) => (
                  <Input
                    {...p}
                    name="workspaceName"
                    autoFocus
                    placeholder={t('setup.workspaceNamePlaceholder')}
                    value={tenant.name}
                    onChange={(e) => setTenant({ ...tenant, name: e.target.value, ...(slugEdited ? {} : { slug: slugify(e.target.value) }) })}
                  />
                )}
              </Field>
              <Field label={t('setup.slug')} hint={t('setup.slugHint')} error={form.field('tenant.slug')}>
                {(p) => (
                  <Input
                    {...p}
                    name="slug"
                    className="font-mono"
                    value={tenant.slug}
                    onChange={(e) => {
                      setSlugEdited(true);
                      setTenant({ ...tenant, slug: e.target.value.toLowerCase().replace(/\s+/g, '-') });
                    }}
                  />
                )}
              </Field>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label={t('setup.timezone')} error={form.field('tenant.timezone')}>
                  {(p) => <Select {...p} value={tenant.timezone} onValueChange={(timezone) => setTenant({ ...tenant, timezone })} options={zones} />}
                </Field>
                <Field label={t('setup.language')} error={form.field('tenant.locale')}>
                  {(p) => (
                    <Select
                      {...p}
                      value={tenant.locale}
                      onValueChange={(locale) => {
                        if (!isLanguage(locale)) return;
                        setLocaleEdited(true);
                        setTenant({ ...tenant, locale });
                      }}
                      options={LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
                    />
                  )}
                </Field>
              </div>
              <Field label={t('setup.country')} hint={t('setup.countryHint')} error={form.field('tenant.country')}>
                {(p) => <Select {...p} value={tenant.country} onValueChange={(country) => setTenant({ ...tenant, country })} options={countries} />}
              </Field>
              <div className="flex justify-end pt-2">
                <Button type="submit">{t('common.next')}</Button>
              </div>
            </>
          ) : (
            <>
              <Field label={t('setup.ownerName')} error={form.field('owner.name')}>
                {(p) => <Input {...p} name="name" autoComplete="name" autoFocus value={owner.name} onChange={(e) => setOwner({ ...owner, name: e.target.value })} />}
              </Field>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label={t('setup.email')} error={form.field('owner.email')}>
                  {(p) => <Input {...p} name="email" type="email" autoComplete="email" value={owner.email} onChange={(e) => setOwner({ ...owner, email: e.target.value })} />}
                </Field>
                <Field label={t('setup.username')} optional hint={t('setup.usernameHint')} error={form.field('owner.username')}>
                  {(p) => <Input {...p} name="username" autoComplete="username" value={owner.username} onChange={(e) => setOwner({ ...owner, username: e.target.value })} />}
                </Field>
              </div>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label={t('setup.password')} hint={t('setup.passwordHint')} error={form.field('owner.password')}>
                  {(p) => (
                    <PasswordInput {...p} name="password" autoComplete="new-password" value={owner.password} onChange={(e) => setOwner({ ...owner, password: e.target.value })} />
                  )}
                </Field>
                <Field label={t('setup.confirmPassword')} error={form.field('confirm')}>
                  {(p) => (
                    <PasswordInput {...p} name="confirmPassword" autoComplete="new-password" value={owner.confirm} onChange={(e) => setOwner({ ...owner, confirm: e.target.value })} />
                  )}
                </Field>
              </div>
              <div className="flex flex-wrap justify-between gap-2 pt-2">
                <Button variant="secondary" disabled={busy} onClick={() => (form.clear(), setStep(1))}>
                  {t('common.back')}
                </Button>
                <Button type="submit" loading={busy} loadingText={t('setup.submitting')}>
                  {t('setup.submit')}
                </Button>
              </div>
            </>
          )}
        </form>
      </div>
    </AuthLayout>
  );
}
