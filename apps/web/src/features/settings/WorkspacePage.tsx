import type { Tenant } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isLanguage, LANGUAGES } from '../../i18n';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { ME_KEY } from '../../lib/query-client';
import { countryOptions, timeZoneOptions } from '../../lib/regions';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { Select } from '../../ui/Select';
import { LoadingBlock } from '../../ui/Spinner';
import { Switch } from '../../ui/Switch';
import { useToast } from '../../ui/Toast';
import { useCan, useIsOwner, useSession, useUpdateSession } from '../auth/session';
import { TENANT_KEY, updateTenant, useTenant, type TenantChanges } from './tenant.api';

export function WorkspacePage() {
  const { t } = useTranslation();
  const tenant = useTenant();
  return (
    <Page>
      <PageHeader title={t('workspace.title')} description={tenant.data ? t('workspace.subtitle', { name: tenant.data.name }) : undefined} />
      {tenant.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {tenant.isError ? <ErrorAlert error={tenant.error} onRetry={() => void tenant.refetch()} /> : null}
      {tenant.data ? <WorkspaceForm key={tenant.data.id} tenant={tenant.data} /> : null}
    </Page>
  );
}

function WorkspaceForm({ tenant }: { tenant: Tenant }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const updateSession = useUpdateSession();
  const me = useSession();
  const canEdit = useCan()('settings.manage');
  const isOwner = useIsOwner();
  const form = useFormErrors();
  const [busy, setBusy] = useState(false);
  const [values, setValues] = useState({
    name: tenant.name,
    timezone: tenant.timezone,
    country: tenant.country,
    locale: tenant.locale,
    requireTwoFactor: tenant.requireTwoFactor,
  });
  const countries = useMemo(() => countryOptions(i18n.language), [i18n.language]);
  const zones = useMemo(() => timeZoneOptions(values.timezone), [values.timezone]);

  const changes: TenantChanges = {};
  if (values.name.trim() !== tenant.name) changes.name = values.name.trim();
  if (values.timezone !== tenant.timezone) changes.timezone = values.timezone;
  if (values.country !== tenant.country) changes.country = values.country;
  if (values.locale !== tenant.locale) changes.locale = values.locale;
  if (values.requireTwoFactor !== tenant.requireTwoFactor) changes.requireTwoFactor = values.requireTwoFactor;
  const dirty = Object.keys(changes).length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!checks.required(values.name)) return form.setFields({ name: t('validation.required') });
    setBusy(true);
    form.clear();
    try {
      const saved = await updateTenant(changes);
      queryClient.setQueryData(TENANT_KEY, saved);
      updateSession((session) => ({ ...session, tenant: saved }));
      toast.success(t('workspace.saved'));
      // Turning the requirement on may lock this very user out until they enrol: re-read the session.
      if (changes.requireTwoFactor) await queryClient.invalidateQueries({ queryKey: ME_KEY });
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form noValidate onSubmit={submit} className="space-y-6">
      {!canEdit ? <Alert>{t('workspace.readOnly')}</Alert> : null}
      {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
      <Card>
        <CardBody className="space-y-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t('workspace.name')} error={form.field('name')}>
              {(p) => <Input {...p} name="name" disabled={!canEdit} value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
            </Field>
            <Field label={t('workspace.slug')}>{(p) => <Input {...p} readOnly disabled className="font-mono" value={tenant.slug} />}</Field>
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t('workspace.timezone')} error={form.field('timezone')}>
              {(p) => <Select {...p} disabled={!canEdit} value={values.timezone} onValueChange={(timezone) => setValues({ ...values, timezone })} options={zones} />}
            </Field>
            <Field label={t('workspace.country')} error={form.field('country')}>
              {(p) => <Select {...p} disabled={!canEdit} value={values.country} onValueChange={(country) => setValues({ ...values, country })} options={countries} />}
            </Field>
          </div>
          <Field label={t('workspace.language')} hint={t('workspace.languageHint')} error={form.field('locale')} className="sm:max-w-[calc(50%-0.5rem)]">
            {(p) => (
              <Select
                {...p}
                disabled={!canEdit}
                value={values.locale}
                onValueChange={(locale) => isLanguage(locale) && setValues({ ...values, locale })}
                options={LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
              />
            )}
          </Field>
        </CardBody>
      </Card>
      <Card>
        <CardHeader title={t('security.twoFactor.title')} />
        <CardBody className="space-y-3">
          <Switch
            checked={values.requireTwoFactor}
            onCheckedChange={(requireTwoFactor) => setValues({ ...values, requireTwoFactor })}
            disabled={!canEdit || !isOwner}
            label={t('workspace.requireTwoFactor')}
            description={isOwner ? t('workspace.requireTwoFactorHint') : t('workspace.ownerOnly')}
          />
          {values.requireTwoFactor && !tenant.requireTwoFactor && !me.user.twoFactorEnabled ? <Alert tone="warning">{t('workspace.selfWarning')}</Alert> : null}
        </CardBody>
      </Card>
      {canEdit ? (
        <div className="flex justify-end">
          <Button type="submit" disabled={!dirty} loading={busy} loadingText={t('common.saving')}>
            {t('common.save')}
          </Button>
        </div>
      ) : null}
    </form>
  );
}
