import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage, isLanguage, LANGUAGES } from '../../i18n';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardFooter, CardHeader } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { useToast } from '../../ui/Toast';
import { useSession, useUpdateSession } from '../auth/session';
import { useChangeLanguage } from '../auth/useChangeLanguage';
import { RoleName } from '../roles/RoleName';
import { securityApi } from './security.api';

export function ProfileCard() {
  const { t } = useTranslation();
  const me = useSession();
  const toast = useToast();
  const updateSession = useUpdateSession();
  const changeLanguage = useChangeLanguage();
  const [name, setName] = useState(me.user.name);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!checks.required(name)) return form.setFields({ name: t('validation.required') });
    setBusy(true);
    form.clear();
    try {
      await securityApi.updateProfile({ name: name.trim() });
      updateSession((session) => ({ ...session, user: { ...session.user, name: name.trim() } }));
      toast.success(t('security.profile.saved'));
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card>
      <CardHeader title={t('security.profile.title')} />
      <form noValidate onSubmit={submit}>
        <CardBody className="space-y-4">
          {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t('security.profile.name')} error={form.field('name')}>
              {(p) => <Input {...p} name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label={t('security.profile.language')}>
              {(p) => (
                <Select
                  {...p}
                  value={currentLanguage()}
                  onValueChange={(value) => isLanguage(value) && void changeLanguage(value)}
                  options={LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
                />
              )}
            </Field>
          </div>
          <dl className="grid gap-x-4 gap-y-3 text-sm sm:grid-cols-3">
            <div className="min-w-0">
              <dt className="text-[13px] text-muted">{t('security.profile.email')}</dt>
              <dd className="truncate">{me.user.email}</dd>
            </div>
            <div className="min-w-0">
              <dt className="text-[13px] text-muted">{t('security.profile.username')}</dt>
              <dd className="truncate">{me.user.username ?? '—'}</dd>
            </div>
            <div className="min-w-0">
              <dt className="text-[13px] text-muted">{t('security.profile.role')}</dt>
              <dd className="truncate">
                <RoleName name={me.user.roleName} />
              </dd>
            </div>
          </dl>
        </CardBody>
        <CardFooter>
          <Button type="submit" disabled={name.trim() === me.user.name} loading={busy} loadingText={t('common.saving')}>
            {t('common.save')}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}
